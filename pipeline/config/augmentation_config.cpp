#include "pipeline/config/augmentation_config.h"

#include <stdexcept>

namespace tailor::pipeline {

float AugmentationConfig::param(const std::string& key) const {
  for (const auto& [k, v] : params)
    if (k == key) return v;
  throw std::out_of_range("augmentation " + name + " has no parameter " + key);
}

}  // namespace tailor::pipeline
