#pragma once
// Convolutions with TF semantics and autograd. Input NHWC; weights HWIO.
// Kernels live in kernels/cpu (and kernels/cuda); these wrappers check shapes, dispatch by
// device and implementation name, and record backward.
#include "engine/tensor.h"
#include "kernels/conv_geometry.h"

namespace tailor::ops {

using kernels::Padding;

// Any kernel size, stride 1 or 2, SAME or VALID. w: [kh,kw,C_in,C_out]. 1x1 stride-1 kernels
// go to the pointwise (GEMM) path.
Tensor conv2d(const Tensor& x, const Tensor& w, int64_t stride, Padding padding);
// Depthwise, channel multiplier 1. w: [kh,kw,C,1]. Any kernel size takes the vectorized path
// (3x3 is what MobileNet uses).
Tensor depthwise_conv2d(const Tensor& x, const Tensor& w, int64_t stride, Padding padding);
// 1x1 stride-1 conv as a GEMM: [N*H*W, C_in] x [C_in, C_out]. w: [1,1,C_in,C_out].
Tensor pointwise_conv2d(const Tensor& x, const Tensor& w);

}  // namespace tailor::ops
