#pragma once
// SSD-MobileNet-v1 input preprocessing on a tensor: engine/pixel_scale.h's scaling, the one
// the data loader applies.
#include "engine/tensor.h"

namespace tailor::models {

// images: float32 NHWC in [0, 255]. Returns a new tensor; no autograd history.
Tensor preprocess_images(const Tensor& images);

}  // namespace tailor::models
