#pragma once
// The one definition of SSD-MobileNet-v1's input scaling
// (ssd_mobilenet_v1_feature_extractor.preprocess): pixel values in [0, 255] become
// (2 / 255) x - 1, in [-1, 1]. The data loader applies it to every training and eval image
// and models::preprocess_images to detect's; both call this.
#include <cstdint>

namespace tailor {

// In place, serially (the loader calls it from its own worker threads).
void pixels_to_model_input(float* values, int64_t n);

}  // namespace tailor
