#include "engine/optim/rmsprop.h"

#include "engine/autograd.h"
#include "kernels/cpu/rmsprop.h"
#include "runtime/error.h"
#ifdef TAILOR_WITH_CUDA
#include "kernels/cuda/rmsprop.h"
#endif

namespace tailor::optim {

RMSProp::RMSProp(const RMSPropOptions& options) : options_(options) {
  TAILOR_CHECK(options.epsilon >= 0.f && options.decay >= 0.f && options.decay <= 1.f &&
                   options.momentum >= 0.f,
               UserError, "rms_prop: decay must be in [0,1] and momentum, epsilon >= 0 (got decay ",
               options.decay, ", momentum ", options.momentum, ", epsilon ", options.epsilon, ")");
}

void RMSProp::apply(const ParameterSet& params, float lr) {
  NoGradGuard no_grad;
  for (const Parameter& p : params.all()) {
    if (!p.trainable) continue;
    Tensor grad = p.value.grad();
    if (!grad.defined()) continue;
    Tensor var = p.value;
    TAILOR_CHECK(var.device() == grad.device() && var.is_contiguous(), DeviceError,
                 "rms_prop: variable '", p.name, "' must be contiguous, on its gradient's device (",
                 var.device().str(), " vs ", grad.device().str(), ")");
    TAILOR_CHECK(grad.shape() == var.shape(), ShapeError, "rms_prop: gradient ",
                 shape_str(grad.shape()), " for variable '", p.name, "' ", shape_str(var.shape()));
    Tensor g = grad.contiguous();
    slots_.get_or_create(ms_slot_name(p.name), var.shape(), 1.f);
    slots_.get_or_create(mom_slot_name(p.name), var.shape(), 0.f);
    Tensor ms = slots_.place(ms_slot_name(p.name), var.device());
    Tensor mom = slots_.place(mom_slot_name(p.name), var.device());
    if (var.device().is_cuda()) {
      require_cuda();
#ifdef TAILOR_WITH_CUDA
      // The fused kernel without its EMA half (ExponentialMovingAverage runs separately, after
      // every variable is updated, as TF's sequential update does).
      kernels::cuda::RmsPropHyper h;
      h.rho = options_.decay;
      h.momentum = options_.momentum;
      h.epsilon = options_.epsilon;
      kernels::cuda::rmsprop_ema_update(var.numel(), var.data<float>(), ms.data<float>(),
                                        mom.data<float>(), g.data<float>(), h, lr, nullptr, nullptr,
                                        0.f, nullptr);
#endif
      continue;
    }
    kernels::cpu::rmsprop_update(var.numel(), var.data<float>(), ms.data<float>(),
                                 mom.data<float>(), g.data<float>(), lr, options_.decay,
                                 options_.momentum, options_.epsilon);
  }
  ++step_;
}

}  // namespace tailor::optim
