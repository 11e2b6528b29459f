#pragma once
// The inference path's depthwise, pointwise and dense convolutions on channel-blocked activations
// (NCHWc, as ONNX Runtime's MLAS runs them): [n][C/16][H][W][16]. Within a block the 16
// channels of one pixel are one vector and neighbouring pixels are 64 bytes apart, so a
// pointwise tile reads its pixels in place (no packing, no L1 aliasing of rows C floats
// apart) and a depthwise plane of one block stays in L1. One thread, alternating with the
// NHWC kernels: pointwise 0.72-0.84x the sgemm's time, depthwise 0.57-0.80x the NHWC
// depthwise's (bench/RESULTS.md, 2026-12-07).
//
// Each kernel reads and writes through a BlockLayout, so the same code also reads NHWC
// (the image's first layers, whose channel counts are not multiples of 16) and writes NHWC
// (the predictors, whose outputs go to the anchors' rows). Channel counts need not be
// multiples of 16 in NHWC; the blocked layout requires it.
#include <cstdint>
#include <vector>

#include "kernels/conv_geometry.h"
#include "runtime/aligned_vector.h"

namespace tailor::kernels::cpu {

constexpr int64_t kChannelBlock = 16;

// Where the 16 channels [16 b, 16 b + 16) of pixel p (p = h * W + w) of image i start:
// i * image + b * block + p * pixel (floats).
struct BlockLayout {
  int64_t image = 0, block = 0, pixel = 0;
};
BlockLayout nhwc_layout(int64_t h, int64_t w, int64_t c);
BlockLayout blocked_layout(int64_t h, int64_t w, int64_t c);  // c % 16 == 0

// A convolution's weights (HWIO: [kh][kw][in][out]; a pointwise one's [in][out]) and bias,
// packed once: groups of 64 output channels, each [row blocks][16][64], zero-padded past in_c
// and out_c. A row block is one input block of one tap ([kh * kw][in blocks]), or, folded, one
// kernel row ([kh][kw * in_c]): an image's 3 channels would fill 3 of a block's 16 rows, and
// in NHWC input a kernel row's taps are side by side.
struct BlockedWeights {
  int64_t kernel_h = 1, kernel_w = 1, in_c = 0, out_c = 0;
  bool relu6 = false;
  AlignedVector<float> weights;
  AlignedVector<float> bias;  // padded to the groups' width

  BlockedWeights() = default;
  BlockedWeights(const float* w, const float* bias, int64_t kernel_h, int64_t kernel_w,
                 int64_t in_c, int64_t out_c, bool relu6);
  int64_t groups() const { return (out_c + 63) / 64; }
  int64_t in_blocks() const { return (in_c + kChannelBlock - 1) / kChannelBlock; }
  bool folded() const { return kernel_w > 1 && kernel_w * in_c <= kChannelBlock; }
  int64_t row_blocks() const { return folded() ? kernel_h : kernel_h * kernel_w * in_blocks(); }
};

// Pointwise (w 1x1): y[i, p, o] = epilogue(sum_c x[i, p, c] * w[c, o] + bias[o]) over `pixels`
// pixels per image.
void blocked_pointwise_forward(int64_t batch, int64_t pixels, const float* x, BlockLayout xl,
                               const BlockedWeights& w, float* y, BlockLayout yl);

// A dense convolution of any kernel and stride (Conv2d_0, the extra 3x3 stride-2 layers) on g's
// shapes and TF padding, straight from the input: each tile's pixels read their taps in
// place, the padding reads zeros (no im2col buffer).
void blocked_conv_forward(const ConvGeometry& g, const float* x, BlockLayout xl,
                          const BlockedWeights& w, float* y, BlockLayout yl);

// Depthwise convolution (channel multiplier 1, weights [kh, kw, C] as depthwise_conv.h) with
// a per-channel bias and optional ReLU6; g gives the shapes and TF padding.
void blocked_depthwise_forward(const ConvGeometry& g, const float* x, BlockLayout xl,
                               const float* w, const float* bias, bool relu6, float* y,
                               BlockLayout yl);

// Copies between layouts (the tests' and benches' way in and out of the blocked form).
void to_layout(int64_t batch, int64_t h, int64_t w, int64_t c, const float* x, BlockLayout xl,
               float* y, BlockLayout yl);

}  // namespace tailor::kernels::cpu
