#include <string>

#include "kernels/cuda/library_handles.h"
#include "kernels/cuda/rmsprop.h"
#include "kernels/cuda/vec.cuh"
#include "runtime/cuda/stream.h"

namespace tailor::kernels::cuda {

namespace {

__global__ void rmsprop_ema_kernel(int64_t n, float* __restrict__ var, float* __restrict__ ms,
                                   float* __restrict__ mom, const float* __restrict__ grad,
                                   RmsPropHyper h, float lr, const float* __restrict__ lr_device,
                                   float* __restrict__ var_avg, float ema_decay,
                                   const float* __restrict__ ema_decay_device) {
  const float rate = lr_device ? *lr_device : lr;
  const float decay = ema_decay_device ? *ema_decay_device : ema_decay;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    const float g = grad[i];
    float m = ms[i];
    m += (g * g - m) * (1.f - h.rho);
    ms[i] = m;
    const float mo = h.momentum * mom[i] + rate * g / sqrtf(m + h.epsilon);
    mom[i] = mo;
    const float v = var[i] - mo;
    var[i] = v;
    if (var_avg) var_avg[i] -= (1.f - decay) * (var_avg[i] - v);
  }
}

__global__ void moving_average_kernel(int64_t n, float* __restrict__ shadow,
                                      const float* __restrict__ value, float decay) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    shadow[i] -= (1.f - decay) * (shadow[i] - value[i]);
}

}  // namespace

void moving_average_update(int64_t n, float* shadow, const float* value, float decay) {
  if (n == 0) return;
  moving_average_kernel<<<grid_for(n), 256, 0, tailor::cuda::current_stream()>>>(n, shadow, value,
                                                                                 decay);
  TAILOR_CUDA_LAUNCH_CHECK("moving_average_kernel", "[" + std::to_string(n) + "]");
}

void rmsprop_ema_update(int64_t n, float* var, float* ms, float* mom, const float* grad,
                        const RmsPropHyper& h, float lr, const float* lr_device, float* var_avg,
                        float ema_decay, const float* ema_decay_device) {
  if (n == 0) return;
  rmsprop_ema_kernel<<<grid_for(n), 256, 0, tailor::cuda::current_stream()>>>(
      n, var, ms, mom, grad, h, lr, lr_device, var_avg, ema_decay, ema_decay_device);
  TAILOR_CUDA_LAUNCH_CHECK("rmsprop_ema_kernel", "[" + std::to_string(n) + "]");
}

}  // namespace tailor::kernels::cuda
