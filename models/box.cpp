#include "models/box.h"

#include <algorithm>

namespace tailor::models {

BoxCenter to_center(const BoxCorners& b) {
  BoxCenter c;
  c.height = b.ymax - b.ymin;
  c.width = b.xmax - b.xmin;
  c.ycenter = b.ymin + c.height / 2.f;
  c.xcenter = b.xmin + c.width / 2.f;
  return c;
}

BoxCorners to_corners(const BoxCenter& c) {
  return {c.ycenter - 0.5f * c.height, c.xcenter - 0.5f * c.width, c.ycenter + 0.5f * c.height,
          c.xcenter + 0.5f * c.width};
}

float area(const BoxCorners& b) {
  return (b.ymax - b.ymin) * (b.xmax - b.xmin);
}

float iou(const BoxCorners& a, const BoxCorners& b) {
  float ih = std::max(0.f, std::min(a.ymax, b.ymax) - std::max(a.ymin, b.ymin));
  float iw = std::max(0.f, std::min(a.xmax, b.xmax) - std::max(a.xmin, b.xmin));
  float inter = ih * iw;
  if (inter == 0.f) return 0.f;
  return inter / (area(a) + area(b) - inter);
}

float nms_iou(const BoxCorners& a, const BoxCorners& b) {
  float ymin_a = std::min(a.ymin, a.ymax), ymax_a = std::max(a.ymin, a.ymax);
  float xmin_a = std::min(a.xmin, a.xmax), xmax_a = std::max(a.xmin, a.xmax);
  float ymin_b = std::min(b.ymin, b.ymax), ymax_b = std::max(b.ymin, b.ymax);
  float xmin_b = std::min(b.xmin, b.xmax), xmax_b = std::max(b.xmin, b.xmax);
  float area_a = (ymax_a - ymin_a) * (xmax_a - xmin_a);
  float area_b = (ymax_b - ymin_b) * (xmax_b - xmin_b);
  if (area_a <= 0.f || area_b <= 0.f) return 0.f;
  float ih = std::max(0.f, std::min(ymax_a, ymax_b) - std::max(ymin_a, ymin_b));
  float iw = std::max(0.f, std::min(xmax_a, xmax_b) - std::max(xmin_a, xmin_b));
  float inter = ih * iw;
  return inter / (area_a + area_b - inter);
}

std::vector<float> iou_matrix(const std::vector<BoxCorners>& rows,
                              const std::vector<BoxCorners>& cols) {
  std::vector<float> m(rows.size() * cols.size());
  for (size_t r = 0; r < rows.size(); ++r)
    for (size_t c = 0; c < cols.size(); ++c) m[r * cols.size() + c] = iou(rows[r], cols[c]);
  return m;
}

BoxCorners clip_to_window(const BoxCorners& b, const BoxCorners& w) {
  return {std::clamp(b.ymin, w.ymin, w.ymax), std::clamp(b.xmin, w.xmin, w.xmax),
          std::clamp(b.ymax, w.ymin, w.ymax), std::clamp(b.xmax, w.xmin, w.xmax)};
}

}  // namespace tailor::models
