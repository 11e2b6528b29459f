#pragma once
// Plain description of an SSD-MobileNet-v1 model; filled from YAML by pipeline/config and
// from checkpoint metadata. Owns no tensors.
#include <cstdint>
#include <string>
#include <vector>

namespace tailor::models {

struct AnchorConfig {
  int num_layers = 6;
  float min_scale = 0.2f;
  float max_scale = 0.95f;
  std::vector<float> aspect_ratios{1.0f, 2.0f, 0.5f, 3.0f, 0.3333f};
  float interpolated_scale_aspect_ratio = 1.0f;
  bool reduce_boxes_in_lowest_layer = true;
  float base_anchor_height = 1.0f;
  float base_anchor_width = 1.0f;
};

struct BoxCoderConfig {
  float y_scale = 10.f, x_scale = 10.f, height_scale = 5.f, width_scale = 5.f;
};

struct MatcherConfig {
  float matched_threshold = 0.5f;
  float unmatched_threshold = 0.5f;
  bool negatives_lower_than_unmatched = true;
  bool force_match_for_each_row = true;
};

// How image-level labels train the detector (see models/image_level.h).
enum class ImageLevelMethod { kPseudoBox, kMaxSize, kMil };

struct ImageLevelLossConfig {
  ImageLevelMethod method = ImageLevelMethod::kPseudoBox;
  float weight = 1.f;      // scales the image-labelled examples' classification loss
  float min_score = 0.3f;  // pseudo_box: the labelled class's; max_size: the foreground's
  // max_size only: the candidates are the boxes whose labelled-class score reaches min_score
  // (the foreground rule when none does). On a worn photo the largest garment is often not
  // the labelled one: a Trousers photo's largest box is the shirt above them.
  bool class_aware = false;
  int64_t start_step = 0;  // image labels train from this global step on (a teacher warms up)
  // At the chosen anchors, also teach the other classes and background 0: the chosen box is
  // the labelled garment, and one garment has one class. Off: the labelled class's logit
  // alone gets a gradient. Anchors the method does not choose get no loss either way.
  bool box_negatives = true;
};

struct LossConfig {
  float classification_weight = 1.f;
  float localization_weight = 1.f;
  int num_hard_examples = 3000;
  float hard_mining_iou = 0.99f;
  int max_negatives_per_positive = 3;
  int min_negatives_per_image = 0;
  float l2_weight =
      4e-5f;  // on conv weights, not on depthwise weights (regularize_depthwise=false)
  ImageLevelLossConfig image_level;
};

struct PostProcessConfig {
  float score_threshold = 1e-8f;
  float iou_threshold = 0.6f;
  int max_detections_per_class = 100;
  int max_total_detections = 100;
};

struct SsdConfig {
  int num_classes = 90;
  int image_height = 300;
  int image_width = 300;
  float depth_multiplier = 1.0f;
  int min_depth = 16;
  float batch_norm_decay = 0.9997f;
  float batch_norm_epsilon = 0.001f;
  // TF OD API's ssd.freeze_batchnorm: batch norm runs in inference mode during training (moving
  // statistics fixed; gamma and beta still train). Needed when fine-tuning from weights whose
  // batch norm was folded into the convolutions (TF Lite exports), where batch statistics
  // would undo the pretrained scales, and cheaper at small batches.
  bool freeze_batchnorm = false;
  // Truncated-normal stddev of the MobileNet backbone (mobilenet_v1_arg_scope) and of the
  // extra feature layers and box predictors (the pipeline's conv_hyperparams).
  float backbone_init_stddev = 0.09f;
  float head_init_stddev = 0.03f;
  uint64_t init_seed = 0;  // parameter initialization is reproducible from this
  AnchorConfig anchors;
  BoxCoderConfig box_coder;
  MatcherConfig matcher;
  LossConfig loss;
  PostProcessConfig post_process;
};

}  // namespace tailor::models
