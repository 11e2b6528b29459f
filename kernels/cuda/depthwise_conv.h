#pragma once
// Depthwise 2-D convolution on the GPU, channel multiplier 1, NHWC, weights [kh,kw,C,1]; the
// same semantics and arguments as kernels/cpu/depthwise_conv.h, with device pointers. Outputs
// are overwritten. All work is queued on Tailor's stream.
#include "kernels/conv_geometry.h"
#include "kernels/cuda/conv_impl.h"

namespace tailor::kernels::cuda {

// impl: Handwritten (3x3 only), Cudnn (grouped convolution, group count C), or Auto.
void depthwise_conv2d_forward(const ConvGeometry& g, const float* x, const float* w, float* y,
                              ConvImpl impl = ConvImpl::Handwritten);
void depthwise_conv2d_backward_input(const ConvGeometry& g, const float* dy, const float* w,
                                     float* dx, ConvImpl impl = ConvImpl::Handwritten);
void depthwise_conv2d_backward_filter(const ConvGeometry& g, const float* x, const float* dy,
                                      float* dw, ConvImpl impl = ConvImpl::Handwritten);

// Tailor's kernels: 3x3, any stride (templated for 1 and 2), float4 over channels when C % 4 ==
// 0 and the pointers are 16-byte aligned, the input (or dy) patch of each output tile staged in
// shared memory; the filter gradient reduces per-block partial sums in a second, deterministic
// pass (no atomics).
bool depthwise_handwritten_supports(const ConvGeometry& g);
void depthwise_conv2d_forward_handwritten(const ConvGeometry& g, const float* x, const float* w,
                                          float* y);
void depthwise_conv2d_backward_input_handwritten(const ConvGeometry& g, const float* dy,
                                                 const float* w, float* dx);
void depthwise_conv2d_backward_filter_handwritten(const ConvGeometry& g, const float* x,
                                                  const float* dy, float* dw);

}  // namespace tailor::kernels::cuda
