#pragma once
// Batch normalization over the channel (last) dimension of a [rows, C] buffer (NHWC with
// rows = N*H*W), following TF's FusedBatchNorm. gamma/beta may be null (1 and 0).
// Fast versions are vectorized across channels and threaded with deterministic sums;
// *_ref are the plain loops.
#include <cstdint>

namespace tailor::kernels::cpu {

// Batch mean and biased variance (sum((x - mean)^2) / rows): what TF normalizes with.
void batch_norm_moments(int64_t rows, int64_t C, const float* x, float* mean, float* var);
// y = (x - mean) * (gamma * rsqrt(var + eps)) + beta, in TF's order of operations; with
// `relu6`, clamped to [0, 6] in the same pass (MobileNet's BN + ReLU6 without the
// intermediate tensor; the values are exactly those of the two ops one after the other).
void batch_norm_forward(int64_t rows, int64_t C, const float* x, const float* mean,
                        const float* var, const float* gamma, const float* beta, float eps,
                        bool relu6, float* y);
// Gradients given dy. With `training`, mean/var are the batch moments of x and dx includes
// their dependence on x (TF's FusedBatchNormGrad):
//   dx = gamma*inv * (dy - mean(dy) - xc * mean(dy*xc) * inv^2),  inv = rsqrt(var+eps)
// otherwise (inference, fixed statistics) dx = dy * gamma * inv. Always:
//   dgamma = sum(dy * xc) * inv,  dbeta = sum(dy).   Any output pointer may be null.
// relu6_y, when not null, is the output of the fused forward with relu6 (batch_norm_forward
// with these x, mean, var, gamma, beta and eps): dy is first masked to where 0 < y < 6,
// exactly as relu6's own backward would. Where x is read anyway (training, or dgamma asked
// for), the mask comes from the normalized value recomputed from x as the forward computed it,
// the same bits, so y is not read at all.
void batch_norm_backward(int64_t rows, int64_t C, const float* x, const float* dy,
                         const float* relu6_y, const float* mean, const float* var,
                         const float* gamma, const float* beta, float eps, bool training, float* dx,
                         float* dgamma, float* dbeta);

// ReLU6's backward with the column sums of its result: dx = dy where 0 < y < 6 (y: relu6's
// output), else 0, and sum_dx[c] = the sum of dx over the rows, in one read of dy and y. With
// a fixed batch norm folded into the convolution before it, sum_dx is dbeta, and the
// convolution's own backward takes dx (engine/ops/conv_batch_norm.h).
void relu6_backward_sums(int64_t rows, int64_t C, const float* y, const float* dy, float* dx,
                         float* sum_dx);

void batch_norm_moments_ref(int64_t rows, int64_t C, const float* x, float* mean, float* var);
void batch_norm_forward_ref(int64_t rows, int64_t C, const float* x, const float* mean,
                            const float* var, const float* gamma, const float* beta, float eps,
                            float* y);
void batch_norm_backward_ref(int64_t rows, int64_t C, const float* x, const float* dy,
                             const float* mean, const float* var, const float* gamma, float eps,
                             bool training, float* dx, float* dgamma, float* dbeta);

}  // namespace tailor::kernels::cpu
