#pragma once
// train.augmentation: the TF OD API's data_augmentation_options, in order. In YAML each entry
// is a name (`- random_horizontal_flip`) or a one-key mapping with parameters
// (`- random_adjust_brightness: {max_delta: 0.3}`); parameters left out take TF's defaults.
// The names, parameters and defaults are data/augment.h's table.
#include <string>
#include <utility>
#include <vector>

namespace tailor::pipeline {

struct AugmentationConfig {
  std::string name;
  // Every parameter the augmentation has, defaults filled in, in declaration order.
  std::vector<std::pair<std::string, float>> params;

  // Throws std::out_of_range for a name the augmentation does not have (a bug, not input).
  float param(const std::string& key) const;
};

}  // namespace tailor::pipeline
