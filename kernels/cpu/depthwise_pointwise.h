#pragma once
// A depthwise convolution and the pointwise (1x1 stride-1) convolution that reads it, run as
// one kernel for inference: each thread computes a band of the depthwise output rows into a
// buffer of its own, still in L2, and multiplies it by the pointwise weights straight away, so
// the intermediate tensor is never written out and read back (the "FCM" kernels of Qararyah
// et al. 2024). The results are bit for bit those of depthwise_conv2d_forward followed by
// sgemm_packed: every output value takes the same operations in the same order.
#include <cstdint>

#include "kernels/conv_geometry.h"
#include "kernels/cpu/epilogue.h"
#include "kernels/cpu/sgemm.h"

namespace tailor::kernels::cpu {

// Whether fusing pays for this pair: the intermediate it saves must outweigh the pointwise
// weights that every band reads again (late MobileNet layers have small maps and large
// weights).
bool depthwise_pointwise_pays(const ConvGeometry& dw, int64_t out_c);

// y [batch, out_h, out_w, pw.cols()] = pointwise(depthwise(x) with dw_ep) with pw_ep.
// dw_weights: [kh, kw, C, 1]; pw: [C, out_c] packed.
void depthwise_pointwise_forward(const ConvGeometry& dw, const float* x, const float* dw_weights,
                                 const Epilogue& dw_ep, const PackedMatrix& pw,
                                 const Epilogue& pw_ep, float* y);

}  // namespace tailor::kernels::cpu
