#include "pipeline/plot/confusion_plot.h"

#include <algorithm>
#include <cstdio>

#include "pipeline/eval/class_table.h"

namespace tailor::pipeline {

namespace {

const Rgb kWhite{255, 255, 255};
const Rgb kInk{40, 40, 40};
const Rgb kCorrect{31, 119, 180};  // the diagonal
const Rgb kWrong{214, 39, 40};     // everything off it

Rgb shade(Rgb full, double share) {
  auto mix = [&](uint8_t c) { return uint8_t(255 - (255 - c) * std::clamp(share, 0.0, 1.0)); };
  return {mix(full.r), mix(full.g), mix(full.b)};
}

}  // namespace

Canvas plot_confusion_matrix(const std::vector<std::string>& class_names, const Top1Result& top1,
                             const std::string& title) {
  const int n = static_cast<int>(top1.images_per_class.size());
  std::vector<int> rows;
  for (int c = 1; c <= n; ++c)
    if (top1.images_per_class[c - 1] > 0) rows.push_back(c);
  const int cell = 44;
  int name_w = Canvas::text_width("none");
  for (int c = 1; c <= n; ++c)
    name_w = std::max(name_w, Canvas::text_width(class_display_name(class_names, c)));
  const int left = name_w + 20, top = 60 + name_w;
  const int width = left + cell * (n + 1) + 90, height = top + cell * int(rows.size()) + 40;
  Canvas cv(width, std::max(height, top + 40), kWhite);
  cv.text(10, 10, title, kInk, 2);
  cv.text(left, 34, "TOP CLASS (COLUMNS) PER LABELLED CLASS (ROWS)", kInk);
  // Column heads, written vertically: one character per line.
  for (int p = 0; p <= n; ++p) {
    const std::string name = p == 0 ? "none" : class_display_name(class_names, p);
    const int x = left + cell * (p == 0 ? n : p - 1) + cell / 2 - 3;
    for (size_t k = 0; k < name.size(); ++k)
      cv.text(x, top - 8 - int(name.size() - k) * 9, std::string(1, name[k]), kInk);
  }
  cv.text(left + cell * (n + 1) + 10, top - 16, "ACC", kInk);
  for (size_t r = 0; r < rows.size(); ++r) {
    const int c = rows[r];
    const int y = top + cell * int(r);
    const std::string name = class_display_name(class_names, c);
    cv.text(left - 10 - Canvas::text_width(name), y + cell / 2 - 3, name, kInk);
    const double total = top1.images_per_class[c - 1];
    for (int p = 0; p <= n; ++p) {
      const int count = top1.confusion_at(c, p);
      const int x = left + cell * (p == 0 ? n : p - 1);
      const double share = count / total;
      const Rgb fill = shade(p == c ? kCorrect : kWrong, count ? 0.15 + 0.85 * share : 0);
      cv.fill_rect(x, y, x + cell - 1, y + cell - 1, fill);
      cv.rect(x, y, x + cell - 1, y + cell - 1, Rgb{200, 200, 200});
      if (count) {
        const std::string s = std::to_string(count);
        cv.text(x + (cell - Canvas::text_width(s)) / 2, y + cell / 2 - 3, s,
                share > 0.6 ? kWhite : kInk);
      }
    }
    char acc[16];
    std::snprintf(acc, sizeof acc, "%.3f", top1.correct_per_class[c - 1] / total);
    cv.text(left + cell * (n + 1) + 10, y + cell / 2 - 3, acc, kInk);
  }
  return cv;
}

}  // namespace tailor::pipeline
