#pragma once
// TF's HardExampleMiner with loss_type CLASSIFICATION: per image, NMS over the decoded
// predicted boxes scored by the per-anchor classification loss, then at most
// max_negatives_per_positive negatives per positive (at least min_negatives_per_image).
#include <vector>

#include "models/box.h"
#include "models/model_config.h"

namespace tailor::models {

struct MinedExamples {
  std::vector<int> indices;  // selected anchors, in NMS order
  int num_positives = 0;
  int num_negatives = 0;
};

// decoded_boxes: the image's predicted boxes; cls_losses: per-anchor classification loss;
// match: per-anchor match (>= 0 positive, kUnmatched negative, kIgnored neither).
MinedExamples mine_hard_examples(const std::vector<BoxCorners>& decoded_boxes,
                                 const std::vector<float>& cls_losses,
                                 const std::vector<int>& match, const LossConfig& config);

}  // namespace tailor::models
