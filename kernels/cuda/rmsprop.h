#pragma once
// TF's RMSProp update fused with the exponential moving average of the weights, one launch per
// variable (device pointers, Tailor's stream). TF semantics (ApplyRMSProp; ms starts at 1.0):
//   ms  += (g^2 - ms) * (1 - rho)
//   mom  = momentum * mom + lr * g / sqrt(ms + epsilon)
//   var -= mom
//   var_avg -= (1 - ema_decay) * (var_avg - var)       (when var_avg is given)
// lr and ema_decay change every step (schedule, num_updates): when lr_device / ema_decay_device
// are given they are read on the device, so a captured graph replays with the current values.
#include <cstdint>

namespace tailor::kernels::cuda {

struct RmsPropHyper {
  float rho = 0.9f;  // TF `decay`
  float momentum = 0.9f;
  float epsilon = 1.0f;
};

void rmsprop_ema_update(int64_t n, float* var, float* ms, float* mom, const float* grad,
                        const RmsPropHyper& h, float lr, const float* lr_device, float* var_avg,
                        float ema_decay, const float* ema_decay_device);

// The EMA alone (ExponentialMovingAverage::apply when the optimizer ran separately):
//   shadow -= (1 - decay) * (shadow - value)
void moving_average_update(int64_t n, float* shadow, const float* value, float decay);

}  // namespace tailor::kernels::cuda
