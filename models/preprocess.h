#pragma once
// SSD-MobileNet-v1 input preprocessing (ssd_mobilenet_v1_feature_extractor.preprocess):
// pixel values in [0, 255] map to (2 / 255) * x - 1, in [-1, 1].
#include "engine/tensor.h"

namespace tailor::models {

// images: float32 NHWC in [0, 255]. Returns a new tensor; no autograd history.
Tensor preprocess_images(const Tensor& images);

}  // namespace tailor::models
