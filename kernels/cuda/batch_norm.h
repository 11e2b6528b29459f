#pragma once
// Batch normalization over the channel (last) dimension of NHWC data seen as [rows, C]
// (rows = N*H*W), fused with an optional ReLU6, TF semantics (engine/ops/batch_norm.h):
//   y = relu6?( gamma * (x - mean) * rsqrt(var + eps) + beta ).
// gamma may be null (TF scale=False: 1). Device pointers; Tailor's stream; deterministic
// two-level reductions (per-block partials over row ranges, then one pass per channel).
#include <cstdint>

namespace tailor::kernels::cuda {

// Training: batch mean and biased variance. Writes y and, per channel, save_mean and save_rstd
// (= rsqrt(var + eps)) for the backward pass. When moving_mean/moving_var are given they are
// updated in place: moving = moving * decay + stat * (1 - decay), with the unbiased variance
// (rows / (rows - 1) times the biased one) as TF does.
void batch_norm_train_forward(int64_t rows, int64_t channels, const float* x, const float* gamma,
                              const float* beta, float epsilon, bool relu6, float* y,
                              float* save_mean, float* save_rstd, float* moving_mean,
                              float* moving_var, float decay);

// Inference: normalizes with the moving statistics.
void batch_norm_infer_forward(int64_t rows, int64_t channels, const float* x, const float* gamma,
                              const float* beta, const float* moving_mean, const float* moving_var,
                              float epsilon, bool relu6, float* y);

// Backward of the training forward. With relu6, `y` (the forward output) masks dy where the
// activation was clipped (TF's relu6 gradient passes only 0 < y < 6); y is unused otherwise.
// dgamma / dbeta may be null when not wanted.
void batch_norm_train_backward(int64_t rows, int64_t channels, const float* x, const float* y,
                               const float* dy, const float* gamma, const float* save_mean,
                               const float* save_rstd, bool relu6, float* dx, float* dgamma,
                               float* dbeta);

// Backward of the inference forward (the statistics are constants).
void batch_norm_infer_backward(int64_t rows, int64_t channels, const float* x, const float* y,
                               const float* dy, const float* gamma, const float* moving_mean,
                               const float* moving_var, float epsilon, bool relu6, float* dx,
                               float* dgamma, float* dbeta);

}  // namespace tailor::kernels::cuda
