// No FMA contraction: the AVX2/AVX-512 instantiations must round exactly like the scalar
// fallback and the reference loops, so results do not depend on the machine.
#include "kernels/cpu/simd_target.h"
TAILOR_FP_CONTRACT_OFF

#include "kernels/cpu/rmsprop.h"

#include <cmath>

#include "kernels/cpu/simd_loop.h"

namespace tailor::kernels::cpu {

namespace {
inline void rmsprop_one(float& var, float& ms, float& mom, float g, float lr, float one_minus_rho,
                        float momentum, float epsilon) {
  ms += (g * g - ms) * one_minus_rho;
  mom = mom * momentum + (g * lr) / std::sqrt(ms + epsilon);
  var -= mom;
}
}  // namespace

void rmsprop_update(int64_t n, float* var, float* ms, float* mom, const float* grad, float lr,
                    float rho, float momentum, float epsilon) {
  const float one_minus_rho = 1.f - rho;
  parallel_simd_loop(n, [=](int64_t i) {
    rmsprop_one(var[i], ms[i], mom[i], grad[i], lr, one_minus_rho, momentum, epsilon);
  });
}

void moving_average_update(int64_t n, float* shadow, const float* value, float decay) {
  const float rate = 1.f - decay;
  parallel_simd_loop(n, [=](int64_t i) { shadow[i] -= (shadow[i] - value[i]) * rate; });
}

void rmsprop_update_ref(int64_t n, float* var, float* ms, float* mom, const float* grad, float lr,
                        float rho, float momentum, float epsilon) {
  for (int64_t i = 0; i < n; ++i)
    rmsprop_one(var[i], ms[i], mom[i], grad[i], lr, 1.f - rho, momentum, epsilon);
}

void moving_average_update_ref(int64_t n, float* shadow, const float* value, float decay) {
  for (int64_t i = 0; i < n; ++i) shadow[i] -= (shadow[i] - value[i]) * (1.f - decay);
}

}  // namespace tailor::kernels::cpu
