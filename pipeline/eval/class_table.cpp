#include "pipeline/eval/class_table.h"

#include <cmath>
#include <cstdio>
#include <sstream>

namespace tailor::pipeline {

namespace {

std::string fixed(double v, bool valid) {
  if (!valid || std::isnan(v)) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", v);
  return buf;
}

std::string pad(const std::string& s, size_t w, bool left = false) {
  if (s.size() >= w) return s;
  return left ? s + std::string(w - s.size(), ' ') : std::string(w - s.size(), ' ') + s;
}

}  // namespace

std::string class_display_name(const std::vector<std::string>& class_names, int c) {
  return c >= 1 && size_t(c) <= class_names.size() ? class_names[c - 1]
                                                   : "class " + std::to_string(c);
}

std::string format_class_table(const std::vector<std::string>& class_names, const EvalMetrics& m,
                               size_t max_misses) {
  size_t name_w = 7;
  for (const auto& n : class_names) name_w = std::max(name_w, n.size());
  std::ostringstream os;
  os << pad("class", name_w, true);
  if (m.voc) os << pad("gt boxes", 10) << pad("AP@0.5", 10);
  if (m.coco) os << pad("AP@.5:.95", 11);
  if (m.top1) os << pad("top-1", 10) << pad("images", 8);
  os << "\n";
  for (size_t c = 0; c < class_names.size(); ++c) {
    os << pad(class_names[c], name_w, true);
    if (m.voc) {
      const bool ok = c < m.voc->ap_per_class.size();
      os << pad(ok ? std::to_string(m.voc->num_groundtruth[c]) : "-", 10)
         << pad(fixed(ok ? m.voc->ap_per_class[c] : 0, ok), 10);
    }
    if (m.coco) {
      const bool ok = c < m.coco->ap_per_class.size() && m.coco->ap_per_class[c] >= 0;
      os << pad(fixed(ok ? m.coco->ap_per_class[c] : 0, ok), 11);
    }
    if (m.top1) {
      const bool ok = c < m.top1->images_per_class.size() && m.top1->images_per_class[c] > 0;
      os << pad(fixed(ok ? double(m.top1->correct_per_class[c]) / m.top1->images_per_class[c] : 0,
                      ok),
                10)
         << pad(ok ? std::to_string(m.top1->images_per_class[c]) : "0", 8);
    }
    os << "\n";
  }
  os << pad("all", name_w, true);
  if (m.voc) {
    int total = 0;
    for (int n : m.voc->num_groundtruth) total += n;
    os << pad(std::to_string(total), 10) << pad(fixed(m.voc->mean_ap, true), 10);
  }
  if (m.coco) os << pad(fixed(m.coco->ap, m.coco->ap >= 0), 11);
  if (m.top1)
    os << pad(fixed(m.top1->accuracy, true), 10) << pad(std::to_string(m.top1->num_images), 8);
  os << "\n";
  if (m.coco)
    os << "COCO AP@[.5:.95] " << fixed(m.coco->ap, m.coco->ap >= 0) << "  AP50 "
       << fixed(m.coco->ap50, m.coco->ap50 >= 0) << "  AP75 "
       << fixed(m.coco->ap75, m.coco->ap75 >= 0) << "\n";
  if (m.top1)
    os << "top-1 " << m.top1->num_correct << "/" << m.top1->num_images << " single-object images ("
       << m.top1->num_without_detection << " without a detection); top confidence min "
       << fixed(m.top1->min_confidence, true) << " median "
       << fixed(m.top1->median_confidence, true) << " max " << fixed(m.top1->max_confidence, true)
       << "\n";
  if (m.top1 && max_misses > 0) {
    auto name = [&](int c) { return class_display_name(class_names, c); };
    const auto& misses = m.top1->misses;
    for (size_t i = 0; i < misses.size() && i < max_misses; ++i) {
      const Top1Miss& x = misses[i];
      os << "  wrong: " << x.image_id << " is " << name(x.label) << ", ";
      if (x.predicted == 0)
        os << "no detection\n";
      else
        os << "top " << name(x.predicted) << " " << fixed(x.score, true) << " (" << name(x.label)
           << " " << fixed(x.label_score, true) << ")\n";
    }
    if (misses.size() > max_misses)
      os << "  ... and " << misses.size() - max_misses << " more wrong (all in metrics.json)\n";
  }
  return os.str();
}

std::string format_confusion_matrix(const std::vector<std::string>& class_names,
                                    const Top1Result& top1) {
  const int n = static_cast<int>(top1.images_per_class.size());
  size_t name_w = 12;
  for (const auto& c : class_names) name_w = std::max(name_w, c.size() + 1);
  // Columns as wide as the longest class name, abbreviated when that is long.
  size_t col_w = 6;
  for (int c = 1; c <= n; ++c)
    col_w = std::max(col_w, class_display_name(class_names, c).size() + 1);
  col_w = std::min<size_t>(col_w, 11);
  auto head = [&](const std::string& s) { return pad(s.substr(0, col_w - 1), col_w); };
  std::ostringstream os;
  os << pad("label \\ top", name_w, true);
  for (int p = 1; p <= n; ++p) os << head(class_display_name(class_names, p));
  os << head("none") << pad("accuracy", 10) << "\n";
  for (int c = 1; c <= n; ++c) {
    if (top1.images_per_class[c - 1] == 0) continue;
    os << pad(class_display_name(class_names, c), name_w, true);
    for (int p = 1; p <= n; ++p) os << pad(std::to_string(top1.confusion_at(c, p)), col_w);
    os << pad(std::to_string(top1.confusion_at(c, 0)), col_w)
       << pad(fixed(double(top1.correct_per_class[c - 1]) / top1.images_per_class[c - 1], true), 10)
       << "\n";
  }
  return os.str();
}

}  // namespace tailor::pipeline
