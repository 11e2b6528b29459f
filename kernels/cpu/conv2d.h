#pragma once
// Dense 2-D convolution, NHWC input, HWIO weights [kh,kw,C_in,C_out], TF padding.
// 1x1 stride-1 convolutions are a GEMM ([N*H*W, C_in] x [C_in, C_out]) and take the pointwise
// path; other shapes use im2col + sgemm. *_ref are the plain loops.
#include "kernels/conv_geometry.h"
#include "kernels/cpu/epilogue.h"
#include "kernels/cpu/sgemm.h"

namespace tailor::kernels::cpu {

void conv2d_forward(const ConvGeometry& g, const float* x, const float* w, float* y);
// The same, each value finished by the epilogue as it is stored (a training-graph convolution
// with its fixed batch norm folded in: engine/ops/conv_batch_norm.h).
void conv2d_forward(const ConvGeometry& g, const float* x, const float* w, float* y,
                    const Epilogue& ep);
void conv2d_backward_input(const ConvGeometry& g, const float* dy, const float* w, float* dx);
void conv2d_backward_filter(const ConvGeometry& g, const float* x, const float* dy, float* dw);

// 1x1 stride 1 (g.kernel_h == g.kernel_w == 1, g.stride == 1).
void pointwise_conv2d_forward(const ConvGeometry& g, const float* x, const float* w, float* y);
void pointwise_conv2d_forward(const ConvGeometry& g, const float* x, const float* w, float* y,
                              const Epilogue& ep);
void pointwise_conv2d_backward_input(const ConvGeometry& g, const float* dy, const float* w,
                                     float* dx);
void pointwise_conv2d_backward_filter(const ConvGeometry& g, const float* x, const float* dy,
                                      float* dw);

// Inference: the weights packed once as a [kh*kw*C_in, C_out] matrix, the epilogue (folded
// batch norm's bias, ReLU6) fused into the GEMM's stores. A dense (not 1x1 stride-1)
// convolution needs conv2d_col_floats(g) floats of scratch in `col` (0 for a pointwise one, and
// for a narrow one, gathered band by band into each thread's own buffer).
int64_t conv2d_col_floats(const ConvGeometry& g);
void conv2d_forward_packed(const ConvGeometry& g, const float* x, const PackedMatrix& w, float* y,
                           const Epilogue& ep, float* col);

void conv2d_forward_ref(const ConvGeometry& g, const float* x, const float* w, float* y);
void conv2d_backward_input_ref(const ConvGeometry& g, const float* dy, const float* w, float* dx);
void conv2d_backward_filter_ref(const ConvGeometry& g, const float* x, const float* dy, float* dw);

}  // namespace tailor::kernels::cpu
