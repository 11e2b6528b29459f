#pragma once
// Dense 2-D convolution on the GPU: NHWC input, HWIO weights [kh,kw,C_in,C_out], TF padding; the
// same semantics and arguments as kernels/cpu/conv2d.h with device pointers. Outputs are
// overwritten; all work is queued on Tailor's stream.
#include "kernels/conv_geometry.h"
#include "kernels/cuda/conv_impl.h"

namespace tailor::kernels::cuda {

// Any kernel size and stride. Handwritten: im2col + Tailor's SGEMM (dW = col^T dy; dx gathers
// dcol = dy W^T back without atomics). Cudnn: cudnnConvolution*. Cublas: im2col + cuBLAS.
// Auto: measured once per shape. 1x1 stride-1 shapes go to the pointwise functions.
void conv2d_forward(const ConvGeometry& g, const float* x, const float* w, float* y,
                    ConvImpl impl = ConvImpl::Cudnn);
void conv2d_backward_input(const ConvGeometry& g, const float* dy, const float* w, float* dx,
                           ConvImpl impl = ConvImpl::Cudnn);
void conv2d_backward_filter(const ConvGeometry& g, const float* x, const float* dy, float* dw,
                            ConvImpl impl = ConvImpl::Cudnn);

// 1x1 stride 1 (g.kernel_h == g.kernel_w == 1, g.stride == 1): a GEMM over M = N*H*W rows,
//   y = x W,  dx = dy W^T,  dW = x^T dy.
// Handwritten: Tailor's SGEMM; Cublas: cublasSgemm; Cudnn: a 1x1 cuDNN convolution; Auto.
void pointwise_conv2d_forward(const ConvGeometry& g, const float* x, const float* w, float* y,
                              ConvImpl impl = ConvImpl::Handwritten);
void pointwise_conv2d_backward_input(const ConvGeometry& g, const float* dy, const float* w,
                                     float* dx, ConvImpl impl = ConvImpl::Handwritten);
void pointwise_conv2d_backward_filter(const ConvGeometry& g, const float* x, const float* dy,
                                      float* dw, ConvImpl impl = ConvImpl::Handwritten);

// True for the shapes the pointwise functions take.
inline bool is_pointwise(const ConvGeometry& g) {
  return g.kernel_h == 1 && g.kernel_w == 1 && g.stride == 1 && g.pad_top == 0 && g.pad_left == 0;
}

}  // namespace tailor::kernels::cuda
