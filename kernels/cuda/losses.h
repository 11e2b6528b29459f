#pragma once
// The detector's two per-element losses with TF semantics (engine/ops/losses.h), forward and
// gradient, over n floats (device pointers, Tailor's stream).
#include <cstdint>

namespace tailor::kernels::cuda {

// loss = max(x, 0) - x * z + log(1 + exp(-|x|))   (tf.nn.sigmoid_cross_entropy_with_logits)
void sigmoid_cross_entropy_forward(int64_t n, const float* logits, const float* labels,
                                   float* loss);
// dlogits = dloss * (sigmoid(x) - z)
void sigmoid_cross_entropy_backward(int64_t n, const float* logits, const float* labels,
                                    const float* dloss, float* dlogits);

// Huber with delta 1 on d = prediction - target: 0.5 d^2 if |d| < 1 else |d| - 0.5.
void smooth_l1_forward(int64_t n, const float* prediction, const float* target, float* loss);
// dprediction = dloss * (|d| < 1 ? d : sign(d))
void smooth_l1_backward(int64_t n, const float* prediction, const float* target, const float* dloss,
                        float* dprediction);

}  // namespace tailor::kernels::cuda
