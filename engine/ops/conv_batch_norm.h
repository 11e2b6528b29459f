#pragma once
// A convolution, then batch normalization with fixed statistics, then ReLU6, as one op:
//   relu6(batch_norm_infer(conv(x, w), gamma, beta, moving_mean, moving_variance))
// MobileNet's layer whenever batch norm runs in inference mode: evaluation, and training with
// freeze_batchnorm (the recipe's fine-tune of the TF Lite weights, whose batch norm is
// folded). On the CPU the normalization and the clamp ride on the convolution's stores: the
// weights are scaled per output channel by gamma * rsqrt(var + eps) and the rest is a bias, so
// the convolution's own output is never written or read back. The backward takes relu6's mask
// from the result and dgamma from the weight gradient it computes anyway (the convolution is
// linear in w, so sum(dy * conv(x, w)) = sum(w * dW)): the pre-normalization map is not kept.
// Other devices run the convolution and batch_norm_infer. The values equal the two ops' within
// float rounding (tests/ops/conv_batch_norm_test.cpp).
#include "engine/tensor.h"
#include "kernels/conv_geometry.h"

namespace tailor::ops {

// depthwise: w is [kh,kw,C,1] (channel multiplier 1); otherwise w is [kh,kw,C_in,C_out], a 1x1
// stride-1 kernel running as the pointwise GEMM. gamma and beta may be undefined (1 and 0), as
// in batch_norm_infer; the moving statistics are read, never updated.
Tensor conv_batch_norm_relu6(const Tensor& x, const Tensor& w, bool depthwise, int64_t stride,
                             kernels::Padding padding, const Tensor& gamma, const Tensor& beta,
                             const Tensor& moving_mean, const Tensor& moving_variance,
                             float epsilon);

}  // namespace tailor::ops
