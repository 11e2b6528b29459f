// No FMA contraction: the AVX2/AVX-512 instantiations must round exactly like the scalar
// fallback and the reference loops, so results do not depend on the machine. No traps: without
// it GCC left the AVX2 loops with selects scalar.
#include "kernels/cpu/simd_target.h"
TAILOR_FP_CONTRACT_OFF
TAILOR_FP_NO_TRAPS

#include <cmath>

#include "kernels/cpu/losses.h"
#include "kernels/cpu/simd_loop.h"
#include "kernels/cpu/vector_math.h"

namespace tailor::kernels::cpu {

namespace {
inline float sigmoid_ce(float x, float z) {
  const float relu = x > 0.f ? x : 0.f;
  return relu - x * z + log1p_unit(exp_nonpositive(-std::fabs(x)));
}
// The exact derivative sigmoid(x) - z. (TF's autodiff of the stable form gives -z at exactly
// x == 0 because d|x|/dx and d relu/dx are taken as 0 there; the true value 0.5 - z is used.)
inline float sigmoid_ce_grad(float x, float z) {
  return sigmoid_stable(x) - z;
}
inline float huber(float p, float t) {
  const float a = std::fabs(p - t);
  const float q = a < 1.f ? a : 1.f;
  return 0.5f * q * q + (a - q);
}
inline float huber_grad(float p, float t) {
  const float d = p - t;
  return d > 1.f ? 1.f : (d < -1.f ? -1.f : d);
}
}  // namespace

void sigmoid_cross_entropy(int64_t n, const float* logits, const float* labels, float* loss) {
  parallel_simd_loop(n, [=](int64_t i) { loss[i] = sigmoid_ce(logits[i], labels[i]); });
}
void sigmoid_cross_entropy_backward(int64_t n, const float* logits, const float* labels,
                                    const float* dloss, float* dlogits) {
  parallel_simd_loop(
      n, [=](int64_t i) { dlogits[i] = sigmoid_ce_grad(logits[i], labels[i]) * dloss[i]; });
}
void smooth_l1(int64_t n, const float* pred, const float* target, float* loss) {
  parallel_simd_loop(n, [=](int64_t i) { loss[i] = huber(pred[i], target[i]); });
}
void smooth_l1_backward(int64_t n, const float* pred, const float* target, const float* dloss,
                        float* dpred) {
  parallel_simd_loop(n, [=](int64_t i) { dpred[i] = huber_grad(pred[i], target[i]) * dloss[i]; });
}

void sigmoid_cross_entropy_ref(int64_t n, const float* logits, const float* labels, float* loss) {
  for (int64_t i = 0; i < n; ++i) loss[i] = sigmoid_ce(logits[i], labels[i]);
}
void sigmoid_cross_entropy_backward_ref(int64_t n, const float* logits, const float* labels,
                                        const float* dloss, float* dlogits) {
  for (int64_t i = 0; i < n; ++i) dlogits[i] = sigmoid_ce_grad(logits[i], labels[i]) * dloss[i];
}
void smooth_l1_ref(int64_t n, const float* pred, const float* target, float* loss) {
  for (int64_t i = 0; i < n; ++i) loss[i] = huber(pred[i], target[i]);
}
void smooth_l1_backward_ref(int64_t n, const float* pred, const float* target, const float* dloss,
                            float* dpred) {
  for (int64_t i = 0; i < n; ++i) dpred[i] = huber_grad(pred[i], target[i]) * dloss[i];
}

}  // namespace tailor::kernels::cpu
