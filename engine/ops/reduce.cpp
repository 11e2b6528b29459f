#include "engine/ops/reduce.h"

#include "engine/autograd.h"
#include "engine/ops/op_support.h"
#include "kernels/cpu/reduce.h"

namespace tailor::ops {

namespace k = kernels::cpu;
using detail::cpu_float;

Tensor sum(const Tensor& x) {
  Tensor xc = cpu_float("sum", "x", x);
  Tensor out = Tensor::scalar(k::sum(xc.numel(), xc.data<float>()));
  Shape shape = x.shape();
  return record_op(out, "sum", {x}, [shape](const Tensor& g, const std::vector<bool>&) {
    return std::vector<Tensor>{Tensor::full(shape, g.item())};
  });
}

Tensor mean(const Tensor& x) {
  Tensor xc = cpu_float("mean", "x", x);
  const float n = static_cast<float>(xc.numel());
  // TF's reduce_mean divides the sum by the count (an empty tensor gives NaN, as in TF).
  Tensor out = Tensor::scalar(k::sum(xc.numel(), xc.data<float>()) / n);
  Shape shape = x.shape();
  return record_op(out, "mean", {x}, [shape, n](const Tensor& g, const std::vector<bool>&) {
    return std::vector<Tensor>{Tensor::full(shape, g.item() / n)};
  });
}

Tensor sum_last_dim(const Tensor& x) {
  Tensor xc = cpu_float("sum_last_dim", "x", x);
  TAILOR_CHECK(x.dim() >= 1, ShapeError, "sum_last_dim: needs at least one dimension, got ",
               shape_str(x.shape()));
  const int64_t D = x.size(-1), rows = shape_numel(Shape(x.shape().begin(), x.shape().end() - 1));
  Tensor out = Tensor::empty(Shape(x.shape().begin(), x.shape().end() - 1));
  k::sum_last_dim(rows, D, xc.data<float>(), out.data<float>());
  Shape shape = x.shape();
  return record_op(out, "sum_last_dim", {x},
                   [shape, rows, D](const Tensor& g, const std::vector<bool>&) {
                     Tensor gc = cpu_float("sum_last_dim backward", "grad", g);
                     Tensor dx = Tensor::empty(shape);
                     k::broadcast_last_dim(rows, D, gc.data<float>(), dx.data<float>());
                     return std::vector<Tensor>{dx};
                   });
}

}  // namespace tailor::ops
