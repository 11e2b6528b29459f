#include "engine/optim/rmsprop.h"

#include "engine/autograd.h"
#include "engine/error.h"
#include "kernels/cpu/optimizers.h"

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
    TAILOR_CHECK(var.device().is_cpu() && grad.device().is_cpu() && var.is_contiguous(),
                 DeviceError, "rms_prop: variable '", p.name,
                 "' must be a contiguous CPU tensor with a CPU gradient");
    TAILOR_CHECK(grad.shape() == var.shape(), ShapeError, "rms_prop: gradient ",
                 shape_str(grad.shape()), " for variable '", p.name, "' ", shape_str(var.shape()));
    Tensor g = grad.contiguous();
    Tensor ms = slots_.get_or_create(ms_slot_name(p.name), var.shape(), 1.f);
    Tensor mom = slots_.get_or_create(mom_slot_name(p.name), var.shape(), 0.f);
    kernels::cpu::rmsprop_update(var.numel(), var.data<float>(), ms.data<float>(),
                                 mom.data<float>(), g.data<float>(), lr, options_.decay,
                                 options_.momentum, options_.epsilon);
  }
  ++step_;
}

}  // namespace tailor::optim
