#include "engine/ops/losses.h"

#include "engine/autograd.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/op_support.h"
#include "engine/ops/reduce.h"
#include "kernels/cpu/losses.h"
#ifdef TAILOR_WITH_CUDA
#include "kernels/cuda/losses.h"
#endif

namespace tailor::ops {

namespace k = kernels::cpu;
using detail::empty_like;
using detail::float_operand;
using detail::pick_kernel;

namespace {
using ForwardKernel = void (*)(int64_t, const float*, const float*, float*);
using BackwardKernel = void (*)(int64_t, const float*, const float*, const float*, float*);

// A per-element loss of (input, target) whose gradient flows to the input only.
Tensor pairwise_loss(const char* op, const char* input_name, const char* target_name,
                     ForwardKernel cpu, ForwardKernel cuda, BackwardKernel cpu_backward,
                     BackwardKernel cuda_backward, const Tensor& input, const Tensor& target) {
  Tensor xc = float_operand(op, input_name, input), zc = float_operand(op, target_name, target);
  detail::same_shape(op, input, target);
  detail::same_device(op, input, target);
  Tensor out = empty_like(xc);
  pick_kernel(op, out.device(), cpu, cuda)(out.numel(), xc.data<float>(), zc.data<float>(),
                                           out.data<float>());
  Tensor sx = xc.detach(), sz = zc.detach();
  return record_op(out, op, {input}, [=](const Tensor& g, const std::vector<bool>&) {
    Tensor gc = float_operand(op, "grad", g);
    detail::same_device(op, sx, gc);
    Tensor dx = empty_like(sx);
    pick_kernel(op, dx.device(), cpu_backward, cuda_backward)(
        dx.numel(), sx.data<float>(), sz.data<float>(), gc.data<float>(), dx.data<float>());
    return std::vector<Tensor>{dx};
  });
}
}  // namespace

Tensor sigmoid_cross_entropy_with_logits(const Tensor& logits, const Tensor& labels) {
  return pairwise_loss("sigmoid_cross_entropy_with_logits", "logits", "labels",
                       k::sigmoid_cross_entropy, TAILOR_CUDA_KERNEL(sigmoid_cross_entropy_forward),
                       k::sigmoid_cross_entropy_backward,
                       TAILOR_CUDA_KERNEL(sigmoid_cross_entropy_backward), logits, labels);
}

Tensor smooth_l1(const Tensor& prediction, const Tensor& target) {
  return pairwise_loss("smooth_l1", "prediction", "target", k::smooth_l1,
                       TAILOR_CUDA_KERNEL(smooth_l1_forward), k::smooth_l1_backward,
                       TAILOR_CUDA_KERNEL(smooth_l1_backward), prediction, target);
}

Tensor l2_loss(const Tensor& x) {
  return scale(sum(square(x)), 0.5f);
}

}  // namespace tailor::ops
