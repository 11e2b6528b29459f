#pragma once
// TF's ssd_anchor_generator (multiple_grid_anchor_generator.create_ssd_anchors): one grid of
// anchors per feature map, ordered for each layer, for each row y, for each column x, for each
// box spec -- the order the box predictors emit their outputs in.
#include <vector>

#include "models/box.h"
#include "models/model_config.h"

namespace tailor::models {

struct FeatureMapSize {
  int height = 0, width = 0;
};

// (scale, aspect ratio) per box at one grid location.
struct BoxSpec {
  float scale = 0, aspect_ratio = 0;
};

// The box specs of each layer: layer 0 with reduce_boxes_in_lowest_layer is
// (0.1, 1), (min_scale, 2), (min_scale, 0.5); the others are every aspect ratio at the layer's
// scale plus the interpolated scale sqrt(s_i * s_{i+1}) at interpolated_scale_aspect_ratio.
std::vector<std::vector<BoxSpec>> ssd_box_specs(const AnchorConfig& config);
// Boxes per grid location per layer: [3, 6, 6, 6, 6, 6] for the default config.
std::vector<int> anchors_per_location(const AnchorConfig& config);

// Anchors for the given feature maps of an image_height x image_width input (TF passes the
// image size so that non-square inputs get square anchors: base size scaled by
// min(h, w) / h and min(h, w) / w). Strides 1/fm and offsets 0.5/fm, TF's defaults.
std::vector<BoxCenter> generate_ssd_anchor_centers(const AnchorConfig& config,
                                                   const std::vector<FeatureMapSize>& feature_maps,
                                                   int image_height, int image_width);
// The same anchors as corners (TF converts them with _center_size_bbox_to_corners_bbox).
std::vector<BoxCorners> generate_ssd_anchors(const AnchorConfig& config,
                                             const std::vector<FeatureMapSize>& feature_maps,
                                             int image_height, int image_width);

}  // namespace tailor::models
