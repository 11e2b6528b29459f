#include "models/nms.h"

#include <algorithm>
#include <numeric>

#include "engine/error.h"

namespace tailor::models {

std::vector<int> non_max_suppression(const std::vector<BoxCorners>& boxes,
                                     const std::vector<float>& scores, int max_output,
                                     float iou_threshold, float score_threshold) {
  TAILOR_CHECK(boxes.size() == scores.size(), UserError, "non_max_suppression: ", boxes.size(),
               " boxes and ", scores.size(), " scores");
  std::vector<int> order;
  for (size_t i = 0; i < boxes.size(); ++i)
    if (scores[i] > score_threshold) order.push_back(static_cast<int>(i));
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return scores[a] > scores[b]; });
  // The selected boxes in canonical form (corners ordered, area computed once), so the inner
  // loop does only the intersection; the arithmetic is nms_iou's, so results are identical.
  struct Canonical {
    float ymin, xmin, ymax, xmax, area;
  };
  auto canonical = [](const BoxCorners& b) {
    Canonical c{std::min(b.ymin, b.ymax), std::min(b.xmin, b.xmax), std::max(b.ymin, b.ymax),
                std::max(b.xmin, b.xmax), 0.f};
    c.area = (c.ymax - c.ymin) * (c.xmax - c.xmin);
    return c;
  };
  std::vector<int> selected;
  std::vector<Canonical> kept;
  for (int i : order) {
    if (static_cast<int>(selected.size()) >= max_output) break;
    const Canonical b = canonical(boxes[i]);
    bool keep = true;
    if (b.area > 0.f)  // a box with no area overlaps nothing (nms_iou returns 0)
      for (const Canonical& k : kept) {
        if (k.area <= 0.f) continue;
        const float ih = std::max(0.f, std::min(b.ymax, k.ymax) - std::max(b.ymin, k.ymin));
        const float iw = std::max(0.f, std::min(b.xmax, k.xmax) - std::max(b.xmin, k.xmin));
        const float inter = ih * iw;
        if (inter / (b.area + k.area - inter) > iou_threshold) {
          keep = false;
          break;
        }
      }
    if (keep) {
      selected.push_back(i);
      kept.push_back(b);
    }
  }
  return selected;
}

}  // namespace tailor::models
