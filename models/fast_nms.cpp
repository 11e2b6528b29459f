#include "models/fast_nms.h"

#include <algorithm>
#include <numeric>

#include "models/nms.h"
#include "runtime/error.h"

namespace tailor::models {

std::vector<Detection> fast_nms(const std::vector<BoxCorners>& boxes,
                                const std::vector<float>& scores, int num_classes,
                                int max_classes_per_detection, const PostProcessConfig& config) {
  TAILOR_CHECK(scores.size() == boxes.size() * size_t(num_classes), UserError,
               "fast_nms: ", scores.size(), " scores for ", boxes.size(), " boxes and ",
               num_classes, " classes");
  const int per_anchor = std::max(1, std::min(max_classes_per_detection, num_classes));
  std::vector<float> best(boxes.size());
  for (size_t a = 0; a < boxes.size(); ++a)
    best[a] =
        *std::max_element(scores.begin() + a * num_classes, scores.begin() + (a + 1) * num_classes);
  const std::vector<int> kept = models::non_max_suppression(
      boxes, best, config.max_total_detections, config.iou_threshold, config.score_threshold);

  const BoxCorners window{0.f, 0.f, 1.f, 1.f};
  std::vector<Detection> out;
  std::vector<int> order(num_classes);
  for (int a : kept) {
    const float* s = &scores[size_t(a) * num_classes];
    std::iota(order.begin(), order.end(), 0);
    std::partial_sort(order.begin(), order.begin() + per_anchor, order.end(),
                      [s](int x, int y) { return s[x] > s[y] || (s[x] == s[y] && x < y); });
    const BoxCorners b = models::clip_to_window(boxes[a], window);
    for (int k = 0; k < per_anchor; ++k)
      out.push_back({order[k] + 1, s[order[k]], b.ymin, b.xmin, b.ymax, b.xmax});
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Detection& x, const Detection& y) { return x.score > y.score; });
  return out;
}

}  // namespace tailor::models
