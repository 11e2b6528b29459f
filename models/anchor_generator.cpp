#include "models/anchor_generator.h"

#include <algorithm>
#include <cmath>

#include "runtime/error.h"

namespace tailor::models {

std::vector<std::vector<BoxSpec>> ssd_box_specs(const AnchorConfig& config) {
  TAILOR_CHECK(config.num_layers >= 2, UserError, "anchors.num_layers must be >= 2, got ",
               config.num_layers);
  // TF computes the scales in Python doubles from the (float32) proto values.
  std::vector<double> scales;
  const double lo = config.min_scale, hi = config.max_scale;
  for (int i = 0; i < config.num_layers; ++i)
    scales.push_back(lo + (hi - lo) * i / (config.num_layers - 1));
  scales.push_back(1.0);
  std::vector<std::vector<BoxSpec>> specs;
  for (int layer = 0; layer < config.num_layers; ++layer) {
    std::vector<BoxSpec> layer_specs;
    const double scale = scales[layer];
    if (layer == 0 && config.reduce_boxes_in_lowest_layer) {
      layer_specs = {{0.1f, 1.0f}, {float(scale), 2.0f}, {float(scale), 0.5f}};
    } else {
      for (float ar : config.aspect_ratios) layer_specs.push_back({float(scale), ar});
      if (config.interpolated_scale_aspect_ratio > 0.f)
        layer_specs.push_back(
            {float(std::sqrt(scale * scales[layer + 1])), config.interpolated_scale_aspect_ratio});
    }
    specs.push_back(layer_specs);
  }
  return specs;
}

std::vector<int> anchors_per_location(const AnchorConfig& config) {
  std::vector<int> n;
  for (const auto& s : ssd_box_specs(config)) n.push_back(static_cast<int>(s.size()));
  return n;
}

std::vector<BoxCenter> generate_ssd_anchor_centers(const AnchorConfig& config,
                                                   const std::vector<FeatureMapSize>& feature_maps,
                                                   int image_height, int image_width) {
  auto specs = ssd_box_specs(config);
  TAILOR_CHECK(feature_maps.size() == specs.size(), UserError,
               "anchor generator: ", feature_maps.size(), " feature maps for ", specs.size(),
               " anchor layers");
  TAILOR_CHECK(image_height > 0 && image_width > 0, UserError, "anchor generator: image size ",
               image_height, "x", image_width);
  // Float32 throughout, in the order TF's graph evaluates it.
  const float ih = float(image_height), iw = float(image_width);
  const float min_dim = std::min(ih, iw);
  const float base_h = (min_dim / ih) * config.base_anchor_height;
  const float base_w = (min_dim / iw) * config.base_anchor_width;
  std::vector<BoxCenter> anchors;
  for (size_t l = 0; l < specs.size(); ++l) {
    const FeatureMapSize fm = feature_maps[l];
    TAILOR_CHECK(fm.height > 0 && fm.width > 0, UserError, "anchor generator: feature map ", l,
                 " is ", fm.height, "x", fm.width);
    const float stride_y = 1.0f / float(fm.height), stride_x = 1.0f / float(fm.width);
    const float offset_y = 0.5f * stride_y, offset_x = 0.5f * stride_x;
    std::vector<float> heights, widths;
    for (const BoxSpec& s : specs[l]) {
      const float ratio_sqrt = std::sqrt(s.aspect_ratio);
      heights.push_back(s.scale / ratio_sqrt * base_h);
      widths.push_back(s.scale * ratio_sqrt * base_w);
    }
    for (int y = 0; y < fm.height; ++y) {
      const float yc = float(y) * stride_y + offset_y;
      for (int x = 0; x < fm.width; ++x) {
        const float xc = float(x) * stride_x + offset_x;
        for (size_t b = 0; b < heights.size(); ++b)
          anchors.push_back({yc, xc, heights[b], widths[b]});
      }
    }
  }
  return anchors;
}

std::vector<BoxCorners> generate_ssd_anchors(const AnchorConfig& config,
                                             const std::vector<FeatureMapSize>& feature_maps,
                                             int image_height, int image_width) {
  std::vector<BoxCorners> corners;
  for (const BoxCenter& c :
       generate_ssd_anchor_centers(config, feature_maps, image_height, image_width))
    corners.push_back(to_corners(c));
  return corners;
}

}  // namespace tailor::models
