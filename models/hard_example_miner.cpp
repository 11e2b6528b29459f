#include "models/hard_example_miner.h"

#include <algorithm>

#include "models/matcher.h"
#include "models/nms.h"

namespace tailor::models {

MinedExamples mine_hard_examples(const std::vector<BoxCorners>& decoded_boxes,
                                 const std::vector<float>& cls_losses,
                                 const std::vector<int>& match, const LossConfig& config) {
  std::vector<int> selected = non_max_suppression(decoded_boxes, cls_losses,
                                                  config.num_hard_examples, config.hard_mining_iou);
  MinedExamples out;
  if (config.max_negatives_per_positive <= 0) {
    // TF skips the ratio subsampling when max_negatives_per_positive is unset.
    out.indices = selected;
    for (int i : selected) {
      if (match[i] >= 0)
        ++out.num_positives;
      else if (match[i] == kUnmatched)
        ++out.num_negatives;
    }
    return out;
  }
  int num_positives = 0;
  for (int i : selected)
    if (match[i] >= 0) ++num_positives;
  const int max_negatives =
      std::max(config.min_negatives_per_image,
               static_cast<int>(float(config.max_negatives_per_positive) * float(num_positives)));
  // TF keeps an entry when it is positive or the running count of negatives (inclusive) is
  // within budget, so ignored anchors before the budget runs out are kept too.
  int negatives_so_far = 0;
  for (int i : selected) {
    const bool positive = match[i] >= 0;
    if (match[i] == kUnmatched) ++negatives_so_far;
    if (positive || negatives_so_far <= max_negatives) out.indices.push_back(i);
  }
  out.num_positives = num_positives;
  out.num_negatives = static_cast<int>(out.indices.size()) - num_positives;
  return out;
}

}  // namespace tailor::models
