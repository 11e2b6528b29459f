#include "engine/ops/batch_norm.h"

#include <vector>

#include "engine/autograd.h"
#include "engine/ops/op_support.h"
#include "kernels/cpu/batch_norm.h"
#ifdef TAILOR_WITH_CUDA
#include "kernels/cuda/batch_norm.h"
#endif

namespace tailor::ops {

namespace k = kernels::cpu;
using detail::cpu_float;
using detail::float_operand;

namespace {
// Checks a per-channel vector ([C], float32, on x's device); an undefined optional one passes.
Tensor channel_vector(const char* op, const char* what, const Tensor& v, const Tensor& x,
                      bool optional) {
  if (optional && !v.defined()) return Tensor();
  Tensor vc = float_operand(op, what, v);
  detail::same_device(op, x, v);
  TAILOR_CHECK(v.dim() == 1 && v.size(0) == x.size(-1), ShapeError, op, ": ", what, " ",
               shape_str(v.shape()), " does not match the channels of x ", shape_str(x.shape()));
  return vc;
}

const float* ptr(const Tensor& t) {
  return t.defined() ? t.data<float>() : nullptr;
}
float* out_ptr(Tensor& t) {
  return t.defined() ? t.data<float>() : nullptr;
}
// A gradient buffer on `dev` when it is needed, else undefined.
Tensor grad_buffer(bool needed, const Shape& shape, Device dev) {
  return needed ? Tensor::empty(shape, DType::Float32, dev) : Tensor();
}

// Records the backward shared by both modes. mean/var are what x was normalized with.
Tensor record_batch_norm(const char* op, Tensor out, const Tensor& x, const Tensor& gamma,
                         const Tensor& beta, Tensor xc, Tensor mean, Tensor var, Tensor gc,
                         Tensor bc, float epsilon, bool training, bool relu6) {
  const int64_t C = x.size(-1), rows = C ? xc.numel() / C : 0;
  Tensor sx = xc.detach(), sg = gc.defined() ? gc.detach() : Tensor();
  Tensor sb = bc.defined() ? bc.detach() : Tensor();
  // The relu6 mask: from the output, or recomputed from x with beta where x is read anyway.
  Tensor sy = relu6 ? out.detach() : Tensor();
  return record_op(out, op, {x, gamma, beta}, [=](const Tensor& g, const std::vector<bool>& needs) {
    Tensor dy = cpu_float(op, "grad", g);
    Tensor dx = grad_buffer(needs[0], sx.shape(), Device::cpu());
    Tensor dgamma = grad_buffer(needs[1], {C}, Device::cpu());
    Tensor dbeta = grad_buffer(needs[2], {C}, Device::cpu());
    k::batch_norm_backward(rows, C, sx.data<float>(), dy.data<float>(), ptr(sy), mean.data<float>(),
                           var.data<float>(), ptr(sg), ptr(sb), epsilon, training, out_ptr(dx),
                           out_ptr(dgamma), out_ptr(dbeta));
    return std::vector<Tensor>{dx, dgamma, dbeta};
  });
}

#ifdef TAILOR_WITH_CUDA
namespace kc = kernels::cuda;

// The CUDA training forward: the kernel computes the batch moments, normalizes, and updates
// the moving statistics in place (with TF's Bessel-corrected variance) in one pass on the
// stream; the backward reuses the saved mean and rsqrt(var + eps).
Tensor cuda_batch_norm_train(const char* op, const Tensor& x, const Tensor& gamma,
                             const Tensor& beta, Tensor xc, Tensor gc, Tensor bc,
                             Tensor& moving_mean, Tensor& moving_variance, float decay,
                             float epsilon, bool relu6) {
  require_cuda();
  const int64_t C = x.size(-1), rows = C ? xc.numel() / C : 0;
  const Device dev = xc.device();
  Tensor out = Tensor::empty(x.shape(), DType::Float32, dev);
  Tensor save_mean = Tensor::empty({C}, DType::Float32, dev);
  Tensor save_rstd = Tensor::empty({C}, DType::Float32, dev);
  kc::batch_norm_train_forward(rows, C, xc.data<float>(), ptr(gc), ptr(bc), epsilon, relu6,
                               out.data<float>(), save_mean.data<float>(), save_rstd.data<float>(),
                               moving_mean.data<float>(), moving_variance.data<float>(), decay);
  Tensor sx = xc.detach(), sy = out.detach(), sg = gc.defined() ? gc.detach() : Tensor();
  return record_op(out, op, {x, gamma, beta}, [=](const Tensor& g, const std::vector<bool>& needs) {
    Tensor dy = float_operand(op, "grad", g);
    // The kernel always writes dx; dgamma / dbeta only when asked for.
    Tensor dx = Tensor::empty(sx.shape(), DType::Float32, dev);
    Tensor dgamma = grad_buffer(needs[1], {C}, dev);
    Tensor dbeta = grad_buffer(needs[2], {C}, dev);
    kc::batch_norm_train_backward(rows, C, sx.data<float>(), sy.data<float>(), dy.data<float>(),
                                  ptr(sg), save_mean.data<float>(), save_rstd.data<float>(), relu6,
                                  dx.data<float>(), out_ptr(dgamma), out_ptr(dbeta));
    return std::vector<Tensor>{needs[0] ? dx : Tensor(), dgamma, dbeta};
  });
}

Tensor cuda_batch_norm_infer(const char* op, const Tensor& x, const Tensor& gamma,
                             const Tensor& beta, Tensor xc, Tensor gc, Tensor bc, Tensor mean,
                             Tensor var, float epsilon, bool relu6) {
  require_cuda();
  const int64_t C = x.size(-1), rows = C ? xc.numel() / C : 0;
  const Device dev = xc.device();
  Tensor out = Tensor::empty(x.shape(), DType::Float32, dev);
  kc::batch_norm_infer_forward(rows, C, xc.data<float>(), ptr(gc), ptr(bc), mean.data<float>(),
                               var.data<float>(), epsilon, relu6, out.data<float>());
  Tensor sx = xc.detach(), sy = out.detach(), sg = gc.defined() ? gc.detach() : Tensor();
  return record_op(out, op, {x, gamma, beta}, [=](const Tensor& g, const std::vector<bool>& needs) {
    Tensor dy = float_operand(op, "grad", g);
    Tensor dx = Tensor::empty(sx.shape(), DType::Float32, dev);
    Tensor dgamma = grad_buffer(needs[1], {C}, dev);
    Tensor dbeta = grad_buffer(needs[2], {C}, dev);
    kc::batch_norm_infer_backward(rows, C, sx.data<float>(), sy.data<float>(), dy.data<float>(),
                                  ptr(sg), mean.data<float>(), var.data<float>(), epsilon, relu6,
                                  dx.data<float>(), out_ptr(dgamma), out_ptr(dbeta));
    return std::vector<Tensor>{needs[0] ? dx : Tensor(), dgamma, dbeta};
  });
}
#endif

void check_x(const char* op, const Tensor& x) {
  TAILOR_CHECK(x.defined() && x.dim() >= 1, ShapeError, op, ": x needs a channel dimension, got ",
               x.defined() ? shape_str(x.shape()) : "undefined");
}
}  // namespace

Tensor batch_norm_train(const Tensor& x, const Tensor& gamma, const Tensor& beta,
                        Tensor& moving_mean, Tensor& moving_variance, float decay, float epsilon,
                        bool relu6) {
  const char* op = relu6 ? "batch_norm_train+relu6" : "batch_norm_train";
  check_x(op, x);
  Tensor xc = float_operand(op, "x", x);
  Tensor gc = channel_vector(op, "gamma", gamma, x, true);
  Tensor bc = channel_vector(op, "beta", beta, x, true);
  channel_vector(op, "moving_mean", moving_mean, x, false);
  channel_vector(op, "moving_variance", moving_variance, x, false);
  TAILOR_CHECK(moving_mean.is_contiguous() && moving_variance.is_contiguous(), ShapeError, op,
               ": moving statistics must be contiguous to be updated in place");
  const int64_t C = x.size(-1), rows = C ? xc.numel() / C : 0;
  TAILOR_CHECK(rows > 0, ShapeError, op, ": batch statistics of an empty batch ",
               shape_str(x.shape()));
  if (xc.device().is_cuda()) {
#ifdef TAILOR_WITH_CUDA
    return cuda_batch_norm_train(op, x, gamma, beta, xc, gc, bc, moving_mean, moving_variance,
                                 decay, epsilon, relu6);
#else
    require_cuda();
#endif
  }

  Tensor mean = Tensor::empty({C}), var = Tensor::empty({C});
  k::batch_norm_moments(rows, C, xc.data<float>(), mean.data<float>(), var.data<float>());
  Tensor out = Tensor::empty(x.shape());
  k::batch_norm_forward(rows, C, xc.data<float>(), mean.data<float>(), var.data<float>(), ptr(gc),
                        ptr(bc), epsilon, relu6, out.data<float>());

  {
    // TF (slim batch_norm over FusedBatchNorm): the kernel hands back the batch variance with
    // Bessel's correction, rows / (rows - 1), and assign_moving_average applies
    //   moving -= (moving - value) * (1 - decay)
    // which is moving * decay + value * (1 - decay) up to rounding. No history is recorded.
    NoGradGuard no_grad;
    const float rate = 1.f - decay;
    const float bessel = static_cast<float>(rows) / static_cast<float>(rows > 1 ? rows - 1 : 1);
    float* mm = moving_mean.data<float>();
    float* mv = moving_variance.data<float>();
    const float* bm = mean.data<float>();
    const float* bv = var.data<float>();
    for (int64_t c = 0; c < C; ++c) {
      mm[c] -= (mm[c] - bm[c]) * rate;
      mv[c] -= (mv[c] - bv[c] * bessel) * rate;
    }
  }
  return record_batch_norm(op, out, x, gamma, beta, xc, mean, var, gc, bc, epsilon, true, relu6);
}

Tensor batch_norm_infer(const Tensor& x, const Tensor& gamma, const Tensor& beta,
                        const Tensor& moving_mean, const Tensor& moving_variance, float epsilon,
                        bool relu6) {
  const char* op = relu6 ? "batch_norm_infer+relu6" : "batch_norm_infer";
  check_x(op, x);
  Tensor xc = float_operand(op, "x", x);
  Tensor gc = channel_vector(op, "gamma", gamma, x, true);
  Tensor bc = channel_vector(op, "beta", beta, x, true);
  // Snapshot the statistics when a backward will read them: a training step may update the
  // moving tensors in place before it runs. Without history (inference) nothing reads them
  // after this op, so they are used in place: on a GPU the two copies per layer were 70 of a
  // batch-1 inference's 72 copies.
  const bool history = records_history({x, gamma, beta});
  Tensor mean = channel_vector(op, "moving_mean", moving_mean, x, false);
  Tensor var = channel_vector(op, "moving_variance", moving_variance, x, false);
  if (history) {
    mean = mean.clone();
    var = var.clone();
  }
  if (xc.device().is_cuda()) {
#ifdef TAILOR_WITH_CUDA
    return cuda_batch_norm_infer(op, x, gamma, beta, xc, gc, bc, mean, var, epsilon, relu6);
#else
    require_cuda();
#endif
  }
  const int64_t C = x.size(-1), rows = C ? xc.numel() / C : 0;
  Tensor out = Tensor::empty(x.shape());
  k::batch_norm_forward(rows, C, xc.data<float>(), mean.data<float>(), var.data<float>(), ptr(gc),
                        ptr(bc), epsilon, relu6, out.data<float>());
  return record_batch_norm(op, out, x, gamma, beta, xc, mean, var, gc, bc, epsilon, false, relu6);
}

}  // namespace tailor::ops
