#include "engine/optim/moving_average.h"

#include <algorithm>

#include "engine/autograd.h"
#include "kernels/cpu/rmsprop.h"
#include "runtime/error.h"
#ifdef TAILOR_WITH_CUDA
#include "kernels/cuda/rmsprop.h"
#endif

namespace tailor::optim {

ExponentialMovingAverage::ExponentialMovingAverage(float decay) : decay_(decay) {
  TAILOR_CHECK(decay >= 0.f && decay <= 1.f, UserError,
               "moving_average_decay must be in [0,1], got ", decay);
}

float ExponentialMovingAverage::effective_decay(int64_t num_updates) const {
  if (num_updates < 0) return decay_;
  const float n = static_cast<float>(num_updates);
  return std::min(decay_, (1.f + n) / (10.f + n));
}

void ExponentialMovingAverage::initialize(const ParameterSet& params) {
  for (const Parameter& p : params.all())
    if (p.trainable) slots_.get_or_create_from(slot_name(p.name), p.value);
}

void ExponentialMovingAverage::apply(const ParameterSet& params, int64_t num_updates) {
  NoGradGuard no_grad;
  const float d = effective_decay(num_updates);
  for (const Parameter& p : params.all()) {
    if (!p.trainable) continue;
    if (p.value.device().is_cuda()) {
      // The shadow lives next to its variable: no copies between devices per step.
      Tensor value = p.value.contiguous();
      slots_.get_or_create_from(slot_name(p.name), value);
      Tensor shadow = slots_.place(slot_name(p.name), value.device());
      require_cuda();
#ifdef TAILOR_WITH_CUDA
      kernels::cuda::moving_average_update(value.numel(), shadow.data<float>(), value.data<float>(),
                                           d);
#endif
      continue;
    }
    Tensor value = p.value.to(Device::cpu()).contiguous();
    // Checks the shape of a restored shadow; a new one equals the value (the update is a no-op).
    Tensor shadow = slots_.get_or_create_from(slot_name(p.name), value);
    kernels::cpu::moving_average_update(value.numel(), shadow.data<float>(), value.data<float>(),
                                        d);
  }
}

void ExponentialMovingAverage::copy_to(ParameterSet& params) const {
  NoGradGuard no_grad;
  for (Parameter& p : params.all()) {
    Tensor shadow = slots_.find(slot_name(p.name));
    if (shadow.defined()) p.value.copy_from(shadow);
  }
}

}  // namespace tailor::optim
