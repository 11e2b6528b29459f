#pragma once
// TF SSD training loss (ssd_meta_arch.loss with the ssd_mobilenet_v1 config):
//   classification: weighted sigmoid cross-entropy summed over classes (background included),
//   localization: weighted smooth L1 (Huber, delta 1) summed over the 4 codes,
//   both summed over the hard-mined anchors and divided by max(num matches in the batch, 1),
//   times classification_weight / localization_weight;
//   regularization: l2_weight * sum(w^2) / 2 (tf.nn.l2_loss) over parameters with regularize.
// An image-labelled row (GroundTruth::image_level) adds a classification term only at the
// anchors models/image_level.h chooses, scaled by image_level.weight: the labelled class as
// the target, over every column when image_level.box_negatives is on, else in its own column
// alone. Those anchors count as matches in the normalizer. No other anchor of the row trains,
// unless its label is exhaustive (GroundTruth::labels_exhaustive: no other class is in the
// photo): then every other anchor is a negative for the other classes alone (background and
// the label untaught, since the label's garment may fill any of them), hard-mined like a box
// row's negatives, at most max_negatives_per_positive per chosen anchor.
#include <cstdint>
#include <functional>
#include <vector>

#include "engine/parameter_set.h"
#include "engine/tensor.h"
#include "models/box.h"
#include "models/model_config.h"
#include "models/ssd_output.h"
#include "models/target_assigner.h"

namespace tailor::models {

struct SsdLosses {
  Tensor total;           // scalar: classification + localization + regularization
  Tensor classification;  // scalar
  Tensor localization;    // scalar
  Tensor regularization;  // scalar
  int num_matches = 0;    // over the batch
  int num_positives = 0;  // mined positives over the batch
  int num_negatives = 0;  // mined negatives over the batch
};

// Data-parallel training over R processes, each with its shard of the global batch: the
// normalizer is the matches of the whole global batch (global_matches sums the shards'), and
// the classification and localization terms are scaled by R, so that the mean of the ranks'
// losses (and gradients) is the global batch's loss (and gradient). Regularization is not
// scaled: every rank holds the same weights.
struct LossReduction {
  std::function<int64_t(int64_t local_matches)> global_matches;
  float scale = 1.f;  // the number of ranks
};

// groundtruth has one entry per image. Gradients flow to output tensors and to the
// regularized parameters.
SsdLosses ssd_loss(const SsdOutput& output, const std::vector<BoxCorners>& anchors,
                   const std::vector<GroundTruth>& groundtruth, const ParameterSet& params,
                   const SsdConfig& config, const LossReduction* reduction = nullptr);

}  // namespace tailor::models
