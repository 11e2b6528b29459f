#include "engine/ops/elementwise.h"

#include "engine/autograd.h"
#include "engine/error.h"

namespace tailor::ops {

// Placeholder-free minimal version of add: the full elementwise set (vectorized, threaded,
// CUDA-dispatched) lives in kernels/ and replaces this loop.
Tensor add(const Tensor& a, const Tensor& b) {
  TAILOR_CHECK(a.shape() == b.shape(), ShapeError, "add: shapes ", shape_str(a.shape()), " and ",
               shape_str(b.shape()));
  Tensor ac = a.contiguous(), bc = b.contiguous();
  Tensor out = Tensor::empty(a.shape(), DType::Float32, a.device());
  const float* pa = ac.data<float>();
  const float* pb = bc.data<float>();
  float* po = out.data<float>();
  for (int64_t i = 0, n = out.numel(); i < n; ++i) po[i] = pa[i] + pb[i];
  return record_op(out, "add", {a, b}, [](const Tensor& g, const std::vector<bool>&) {
    return std::vector<Tensor>{g, g};
  });
}

}  // namespace tailor::ops
