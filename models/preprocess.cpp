#include "models/preprocess.h"

#include "runtime/error.h"

namespace tailor::models {

Tensor preprocess_images(const Tensor& images) {
  TAILOR_CHECK(images.dim() == 4 && images.size(3) == 3, ShapeError,
               "preprocess_images: expected NHWC with 3 channels, got ", shape_str(images.shape()));
  TAILOR_CHECK(images.device().is_cpu(), UserError, "preprocess_images runs on the CPU");
  Tensor src = images.contiguous();
  Tensor out = Tensor::empty(src.shape(), DType::Float32, src.device());
  const float* in = src.data<float>();
  float* o = out.data<float>();
  for (int64_t i = 0, n = src.numel(); i < n; ++i) o[i] = (2.0f / 255.0f) * in[i] - 1.0f;
  return out;
}

}  // namespace tailor::models
