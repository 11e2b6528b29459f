#pragma once
// Depthwise 2-D convolution, channel multiplier 1, NHWC, weights [kh,kw,C,1]:
//   y[n,oh,ow,c] = sum_{i,j} x[n, oh*s - pad_top + i, ow*s - pad_left + j, c] * w[i,j,c]
// The fast versions (any kernel size, stride and padding) are vectorized over channels and
// threaded; *_ref are the plain loops.
#include "kernels/conv_geometry.h"
#include "kernels/cpu/epilogue.h"

namespace tailor::kernels::cpu {

void depthwise_conv2d_forward(const ConvGeometry& g, const float* x, const float* w, float* y);
// The same, each output row finished by the epilogue while it is in cache (inference).
void depthwise_conv2d_forward(const ConvGeometry& g, const float* x, const float* w, float* y,
                              const Epilogue& ep);
// Output rows [r0, r1) (row r = n * out_h + oh) on the calling thread, row r0 stored at `band`:
// for a caller that consumes a band of rows while it is in cache (depthwise_pointwise.h).
void depthwise_conv2d_forward_rows(const ConvGeometry& g, const float* x, const float* w,
                                   float* band, int64_t r0, int64_t r1, const Epilogue& ep);
void depthwise_conv2d_backward_input(const ConvGeometry& g, const float* dy, const float* w,
                                     float* dx);
void depthwise_conv2d_backward_filter(const ConvGeometry& g, const float* x, const float* dy,
                                      float* dw);

void depthwise_conv2d_forward_ref(const ConvGeometry& g, const float* x, const float* w, float* y);
void depthwise_conv2d_backward_input_ref(const ConvGeometry& g, const float* dy, const float* w,
                                         float* dx);
void depthwise_conv2d_backward_filter_ref(const ConvGeometry& g, const float* x, const float* dy,
                                          float* dw);

}  // namespace tailor::kernels::cpu
