#pragma once
// In-place parameter update kernels with TF's exact arithmetic (training_ops.cc), so a CPU
// run matches TF's update order. Fast versions are vectorized (sqrt and division are exact
// IEEE operations at every ISA level) and threaded; *_ref are the plain loops.
#include <cstdint>

namespace tailor::kernels::cpu {

// TF ApplyRMSProp (non-centered), epsilon inside the square root:
//   ms  += (g^2 - ms) * (1 - rho)
//   mom  = mom * momentum + (g * lr) / sqrt(ms + epsilon)
//   var -= mom
void rmsprop_update(int64_t n, float* var, float* ms, float* mom, const float* grad, float lr,
                    float rho, float momentum, float epsilon);
// TF assign_moving_average (zero_debias off): shadow -= (shadow - value) * (1 - decay).
void moving_average_update(int64_t n, float* shadow, const float* value, float decay);

void rmsprop_update_ref(int64_t n, float* var, float* ms, float* mom, const float* grad, float lr,
                        float rho, float momentum, float epsilon);
void moving_average_update_ref(int64_t n, float* shadow, const float* value, float decay);

}  // namespace tailor::kernels::cpu
