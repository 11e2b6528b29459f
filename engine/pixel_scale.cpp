#include "engine/pixel_scale.h"

namespace tailor {

void pixels_to_model_input(float* values, int64_t n) {
  for (int64_t i = 0; i < n; ++i) values[i] = (2.0f / 255.0f) * values[i] - 1.0f;
}

}  // namespace tailor
