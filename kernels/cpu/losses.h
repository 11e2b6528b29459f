#pragma once
// Per-element loss kernels with TF semantics. Fast versions are threaded and vectorized (exp and
// log1p from vector_math.h); *_ref are the plain loops over the same expressions.
#include <cstdint>

namespace tailor::kernels::cpu {

// TF sigmoid_cross_entropy_with_logits: max(x,0) - x*z + log1p(exp(-|x|)).
void sigmoid_cross_entropy(int64_t n, const float* logits, const float* labels, float* loss);
// d loss / d logits = (sigmoid(x) - z) * dloss.
void sigmoid_cross_entropy_backward(int64_t n, const float* logits, const float* labels,
                                    const float* dloss, float* dlogits);
// TF huber_loss with delta 1 on d = pred - target: q = min(|d|, 1); 0.5*q^2 + (|d| - q).
void smooth_l1(int64_t n, const float* pred, const float* target, float* loss);
// d loss / d pred = clamp(d, -1, 1) * dloss.
void smooth_l1_backward(int64_t n, const float* pred, const float* target, const float* dloss,
                        float* dpred);

void sigmoid_cross_entropy_ref(int64_t n, const float* logits, const float* labels, float* loss);
void sigmoid_cross_entropy_backward_ref(int64_t n, const float* logits, const float* labels,
                                        const float* dloss, float* dlogits);
void smooth_l1_ref(int64_t n, const float* pred, const float* target, float* loss);
void smooth_l1_backward_ref(int64_t n, const float* pred, const float* target, const float* dloss,
                            float* dpred);

}  // namespace tailor::kernels::cpu
