#include "pipeline/config/augmentation_config.h"

#include <stdexcept>

namespace tailor::pipeline {

float AugmentationConfig::param(const std::string& key) const {
  for (const auto& [k, v] : params)
    if (k == key) return v;
  throw std::out_of_range("augmentation " + name + " has no parameter " + key);
}

const std::vector<AugmentationSpec>& known_augmentations() {
  // Defaults from object_detection/protos/preprocessor.proto.
  static const std::vector<AugmentationSpec> specs = {
      {"random_horizontal_flip", {{"probability", 0.5f}}},
      {"random_vertical_flip", {{"probability", 0.5f}}},
      // The fixed 7-operation table of ssd_random_crop (min_object_covered 0..1) is not
      // configurable in TF's default form either.
      {"ssd_random_crop", {}},
      {"random_adjust_brightness", {{"max_delta", 0.2f}}},
      {"random_adjust_contrast", {{"min_delta", 0.8f}, {"max_delta", 1.25f}}},
      {"random_adjust_hue", {{"max_delta", 0.02f}}},
      {"random_adjust_saturation", {{"min_delta", 0.8f}, {"max_delta", 1.25f}}},
      {"random_distort_color", {{"color_ordering", 0.f}}},
      {"random_rgb_to_gray", {{"probability", 0.1f}}},
      {"random_pixel_value_scale", {{"minval", 0.9f}, {"maxval", 1.1f}}},
  };
  return specs;
}

const AugmentationSpec* find_augmentation(const std::string& name) {
  for (const auto& s : known_augmentations())
    if (name == s.name) return &s;
  return nullptr;
}

}  // namespace tailor::pipeline
