#include "pipeline/tag/review_page.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "pipeline/eval/class_table.h"

namespace tailor::pipeline {

namespace {

std::string percent(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", 100 * v);
  return buf;
}

std::string score_text(float v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

const char* kStyle = R"(
body{font-family:system-ui,sans-serif;margin:24px;color:#222;background:#fafafa}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:24px 0 8px}
.meta{color:#666;font-size:13px;margin-bottom:16px}
table{border-collapse:collapse;font-size:13px;background:#fff}
th,td{border:1px solid #ddd;padding:4px 8px;text-align:right} th:first-child,td:first-child{text-align:left}
.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{width:220px;background:#fff;border:1px solid #ddd;border-radius:6px;padding:8px;font-size:12px}
.card.review{border:2px solid #d62728}
.card img{width:200px;height:200px;object-fit:contain;background:#eee;display:block;margin:0 auto 6px}
.name{font-weight:600;word-break:break-all;margin-bottom:4px}
.why{color:#d62728;margin-top:4px}
.bar{display:flex;align-items:center;gap:6px;margin:2px 0}
.bar span.c{width:80px;overflow:hidden;white-space:nowrap}
.bar span.b{flex:1;height:8px;background:#eee;position:relative}
.bar span.b i{position:absolute;left:0;top:0;bottom:0;background:#1f77b4}
.label.ok{color:#2ca02c} .label.bad{color:#d62728}
)";

}  // namespace

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  return out;
}

std::string review_page_html(const TagResult& r, const std::vector<std::string>& names,
                             const TagOptions& o) {
  auto name = [&](int c) { return html_escape(class_display_name(names, c)); };
  std::ostringstream h;
  h << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    << "<title>Tailor tag review</title><style>" << kStyle << "</style></head><body>\n"
    << "<h1>Tag review</h1><div class=\"meta\">" << r.rows.size() << " images, "
    << r.needs_review << " need review (top score under " << score_text(o.review_below)
    << ", top two within " << score_text(o.margin) << ", nothing detected or unreadable)";
  if (r.unreadable) h << ", " << r.unreadable << " unreadable";
  h << "</div>\n";

  // Per class: the images tagged with it, how many need review, their mean top score, and
  // with labels the accuracy over the images labelled with it.
  const int C = static_cast<int>(names.size());
  std::vector<int> tagged(C + 1, 0), review(C + 1, 0);
  std::vector<double> score(C + 1, 0);
  for (const TagRow& row : r.rows) {
    const int c = row.top.empty() ? 0 : row.top[0].class_id;
    if (c < 0 || c > C) continue;
    ++tagged[c];
    review[c] += row.needs_review;
    if (c) score[c] += row.top[0].score;
  }
  h << "<h2>Per class</h2><table><tr><th>class</th><th>tagged</th><th>need review</th>"
    << "<th>mean top score</th>";
  if (r.has_labels) h << "<th>labelled</th><th>accuracy</th>";
  h << "</tr>\n";
  for (int c = 1; c <= C; ++c) {
    const int labelled = r.has_labels ? r.top1.images_per_class[c - 1] : 0;
    if (!tagged[c] && !labelled) continue;
    h << "<tr><td>" << name(c) << "</td><td>" << tagged[c] << "</td><td>" << review[c]
      << "</td><td>" << (tagged[c] ? score_text(float(score[c] / tagged[c])) : "-") << "</td>";
    if (r.has_labels)
      h << "<td>" << labelled << "</td><td>"
        << (labelled ? percent(double(r.top1.correct_per_class[c - 1]) / labelled) : "-")
        << "</td>";
    h << "</tr>\n";
  }
  if (tagged[0]) h << "<tr><td>(nothing)</td><td>" << tagged[0] << "</td><td>" << review[0] << "</td><td>-</td></tr>\n";
  h << "</table>\n";
  if (r.has_labels && r.top1.num_images > 0) {
    h << "<h2>Against the labels: " << r.top1.num_correct << " of " << r.top1.num_images
      << " right (" << percent(r.top1.accuracy) << ")</h2>"
      << "<table><tr><th>label \\ tag</th>";
    for (int p = 1; p <= C; ++p) h << "<th>" << name(p) << "</th>";
    h << "<th>none</th></tr>\n";
    for (int c = 1; c <= C; ++c) {
      if (!r.top1.images_per_class[c - 1]) continue;
      h << "<tr><td>" << name(c) << "</td>";
      for (int p = 1; p <= C; ++p) h << "<td>" << r.top1.confusion_at(c, p) << "</td>";
      h << "<td>" << r.top1.confusion_at(c, 0) << "</td></tr>\n";
    }
    h << "</table>\n";
  }

  // The cards: needing review first, least confident first; then the rest in input order.
  std::vector<size_t> order(r.rows.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  auto top = [&](size_t i) { return r.rows[i].top.empty() ? -1.f : r.rows[i].top[0].score; };
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (r.rows[a].needs_review != r.rows[b].needs_review) return r.rows[a].needs_review;
    return r.rows[a].needs_review && top(a) < top(b);
  });
  h << "<h2>Images</h2><div class=\"cards\">\n";
  for (size_t i : order) {
    const TagRow& row = r.rows[i];
    h << "<div class=\"card" << (row.needs_review ? " review" : "") << "\">";
    if (row.error.empty())
      h << "<img src=\"thumbs/" << html_escape(row.stem) << ".jpg\" alt=\"" << html_escape(row.stem)
        << "\">";
    const std::string file = row.image.substr(row.image.find_last_of("/\\") + 1);
    h << "<div class=\"name\" title=\"" << html_escape(row.image) << "\">" << html_escape(file)
      << "</div>";
    for (const TagScore& t : row.top)
      h << "<div class=\"bar\"><span class=\"c\">" << name(t.class_id) << "</span><span class=\"b\">"
        << "<i style=\"width:" << int(100 * t.score + 0.5f) << "%\"></i></span><span>"
        << score_text(t.score) << "</span></div>";
    if (row.label) {
      const bool ok = !row.top.empty() && row.top[0].class_id == row.label;
      h << "<div class=\"label " << (ok ? "ok" : "bad") << "\">labelled " << name(row.label)
        << (ok ? " (right)" : " (wrong)") << "</div>";
    }
    if (!row.reason.empty()) h << "<div class=\"why\">" << html_escape(row.reason) << "</div>";
    h << "</div>\n";
  }
  h << "</div></body></html>\n";
  return h.str();
}

}  // namespace tailor::pipeline
