#include "models/preprocess.h"

#include "engine/pixel_scale.h"
#include "runtime/error.h"

namespace tailor::models {

Tensor preprocess_images(const Tensor& images) {
  TAILOR_CHECK(images.dim() == 4 && images.size(3) == 3, ShapeError,
               "preprocess_images: expected NHWC with 3 channels, got ", shape_str(images.shape()));
  TAILOR_CHECK(images.device().is_cpu(), UserError, "preprocess_images runs on the CPU");
  Tensor out = images.contiguous().clone();
  pixels_to_model_input(out.data<float>(), out.numel());
  return out;
}

}  // namespace tailor::models
