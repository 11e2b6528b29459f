#pragma once
// Batch normalization over the last (channel) dimension of NHWC input, TF semantics:
// y = gamma * (x - mean) / sqrt(var + eps) + beta.
#include "engine/tensor.h"

namespace tailor::ops {

// Training mode: normalizes with the batch's mean and (biased) variance, and updates the
// moving statistics in place without recording history:
//   moving = moving * decay + batch_stat * (1 - decay)   (TF uses the unbiased variance here)
// evaluated as TF's assign_moving_average does: moving -= (moving - stat) * (1 - decay), with
// stat = the batch variance times rows/(rows-1) (FusedBatchNorm's Bessel correction, rows =
// N*H*W). gamma may be undefined (scale=False in TF), meaning 1; beta undefined means 0.
// With relu6, the output is clamped to [0, 6] inside the same op: equal to relu6(batch_norm)
// value for value and gradient for gradient, one pass over memory less each way.
Tensor batch_norm_train(const Tensor& x, const Tensor& gamma, const Tensor& beta,
                        Tensor& moving_mean, Tensor& moving_variance, float decay, float epsilon,
                        bool relu6 = false);

// Inference mode: normalizes with the moving statistics (gradients still flow to x, gamma, beta).
Tensor batch_norm_infer(const Tensor& x, const Tensor& gamma, const Tensor& beta,
                        const Tensor& moving_mean, const Tensor& moving_variance, float epsilon,
                        bool relu6 = false);

}  // namespace tailor::ops
