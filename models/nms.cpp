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
  std::vector<int> selected;
  for (int i : order) {
    if (static_cast<int>(selected.size()) >= max_output) break;
    bool keep = true;
    for (int j : selected)
      if (nms_iou(boxes[i], boxes[j]) > iou_threshold) {
        keep = false;
        break;
      }
    if (keep) selected.push_back(i);
  }
  return selected;
}

}  // namespace tailor::models
