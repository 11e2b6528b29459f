#include "engine/ops/losses.h"

#include "engine/autograd.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/op_support.h"
#include "engine/ops/reduce.h"
#include "kernels/cpu/losses.h"

namespace tailor::ops {

namespace k = kernels::cpu;
using detail::cpu_float;
using detail::empty_like;

Tensor sigmoid_cross_entropy_with_logits(const Tensor& logits, const Tensor& labels) {
  const char* op = "sigmoid_cross_entropy_with_logits";
  Tensor xc = cpu_float(op, "logits", logits), zc = cpu_float(op, "labels", labels);
  detail::same_shape(op, logits, labels);
  Tensor out = empty_like(xc);
  k::sigmoid_cross_entropy(out.numel(), xc.data<float>(), zc.data<float>(), out.data<float>());
  Tensor sx = xc.detach(), sz = zc.detach();
  return record_op(out, op, {logits}, [sx, sz](const Tensor& g, const std::vector<bool>&) {
    Tensor gc = cpu_float("sigmoid_cross_entropy_with_logits backward", "grad", g);
    Tensor dx = empty_like(sx);
    k::sigmoid_cross_entropy_backward(dx.numel(), sx.data<float>(), sz.data<float>(),
                                      gc.data<float>(), dx.data<float>());
    return std::vector<Tensor>{dx};
  });
}

Tensor smooth_l1(const Tensor& prediction, const Tensor& target) {
  Tensor pc = cpu_float("smooth_l1", "prediction", prediction);
  Tensor tc = cpu_float("smooth_l1", "target", target);
  detail::same_shape("smooth_l1", prediction, target);
  Tensor out = empty_like(pc);
  k::smooth_l1(out.numel(), pc.data<float>(), tc.data<float>(), out.data<float>());
  Tensor sp = pc.detach(), st = tc.detach();
  return record_op(out, "smooth_l1", {prediction},
                   [sp, st](const Tensor& g, const std::vector<bool>&) {
                     Tensor gc = cpu_float("smooth_l1 backward", "grad", g);
                     Tensor dp = empty_like(sp);
                     k::smooth_l1_backward(dp.numel(), sp.data<float>(), st.data<float>(),
                                           gc.data<float>(), dp.data<float>());
                     return std::vector<Tensor>{dp};
                   });
}

Tensor l2_loss(const Tensor& x) {
  return scale(sum(square(x)), 0.5f);
}

}  // namespace tailor::ops
