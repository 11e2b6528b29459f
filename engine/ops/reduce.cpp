#include "engine/ops/reduce.h"

#include "engine/autograd.h"
#include "engine/ops/op_support.h"
#include "kernels/cpu/reduce.h"
#ifdef TAILOR_WITH_CUDA
#include "kernels/cuda/copy_rows.h"
#include "kernels/cuda/elementwise.h"
#include "kernels/cuda/reduce.h"
#endif

namespace tailor::ops {

namespace k = kernels::cpu;
using detail::float_operand;
using detail::pick_kernel;

namespace {

// sum(x) * factor as a scalar tensor on x's device. On CUDA the result stays on the device
// (no host read inside a step).
Tensor scaled_sum(const Tensor& xc, float factor) {
  if (xc.device().is_cpu()) return Tensor::scalar(k::sum(xc.numel(), xc.data<float>()) * factor);
  // A CUDA tensor cannot exist in a CPU-only build (allocation fails with "no CUDA device").
  Tensor out = Tensor::empty({}, DType::Float32, xc.device());
#ifdef TAILOR_WITH_CUDA
  kernels::cuda::sum(xc.numel(), xc.data<float>(), out.data<float>());
  if (factor != 1.f) kernels::cuda::scale(1, out.data<float>(), factor, out.data<float>());
#endif
  return out;
}

// The gradient of scaled_sum: every element gets g * factor.
Tensor broadcast_grad(const char* op, const Tensor& g, const Shape& shape, float factor) {
  if (g.device().is_cpu()) return Tensor::full(shape, g.item() * factor);
  Tensor gc = float_operand(op, "grad", g);
  Tensor dx = Tensor::empty(shape, DType::Float32, gc.device());
#ifdef TAILOR_WITH_CUDA
  kernels::cuda::broadcast_scalar(dx.numel(), gc.data<float>(), factor, dx.data<float>());
#endif
  return dx;
}

}  // namespace

Tensor sum(const Tensor& x) {
  Tensor xc = float_operand("sum", "x", x);
  Tensor out = scaled_sum(xc, 1.f);
  Shape shape = x.shape();
  return record_op(out, "sum", {x}, [shape](const Tensor& g, const std::vector<bool>&) {
    return std::vector<Tensor>{broadcast_grad("sum backward", g, shape, 1.f)};
  });
}

Tensor mean(const Tensor& x) {
  Tensor xc = float_operand("mean", "x", x);
  const float n = static_cast<float>(xc.numel());
  // TF's reduce_mean divides the sum by the count (an empty tensor gives NaN, as in TF).
  // On CUDA the sum is scaled by 1/n on the device, which may differ from sum / n in the last bit.
  Tensor out = xc.device().is_cpu() ? Tensor::scalar(k::sum(xc.numel(), xc.data<float>()) / n)
                                    : scaled_sum(xc, 1.f / n);
  Shape shape = x.shape();
  return record_op(out, "mean", {x}, [shape, n](const Tensor& g, const std::vector<bool>&) {
    return std::vector<Tensor>{broadcast_grad("mean backward", g, shape, 1.f / n)};
  });
}

Tensor sum_last_dim(const Tensor& x) {
  Tensor xc = float_operand("sum_last_dim", "x", x);
  TAILOR_CHECK(x.dim() >= 1, ShapeError, "sum_last_dim: needs at least one dimension, got ",
               shape_str(x.shape()));
  const int64_t D = x.size(-1), rows = shape_numel(Shape(x.shape().begin(), x.shape().end() - 1));
  Tensor out =
      Tensor::empty(Shape(x.shape().begin(), x.shape().end() - 1), DType::Float32, xc.device());
  pick_kernel("sum_last_dim", xc.device(), k::sum_last_dim, TAILOR_CUDA_KERNEL(sum_last_dim))(
      rows, D, xc.data<float>(), out.data<float>());
  Shape shape = x.shape();
  return record_op(out, "sum_last_dim", {x},
                   [shape, rows, D](const Tensor& g, const std::vector<bool>&) {
                     Tensor gc = float_operand("sum_last_dim backward", "grad", g);
                     Tensor dx = Tensor::empty(shape, DType::Float32, gc.device());
                     pick_kernel("sum_last_dim backward", gc.device(), k::broadcast_last_dim,
                                 TAILOR_CUDA_KERNEL(broadcast_last_dim))(rows, D, gc.data<float>(),
                                                                         dx.data<float>());
                     return std::vector<Tensor>{dx};
                   });
}

}  // namespace tailor::ops
