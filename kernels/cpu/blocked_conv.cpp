#include "kernels/cpu/blocked_conv.h"

#include <algorithm>

#include "kernels/cpu/simd_dispatch.h"
#include "kernels/cpu/simd_target.h"
#include "kernels/cpu/simd_vec.h"
#include "runtime/error.h"
#include "runtime/thread_pool.h"

namespace tailor::kernels::cpu {

BlockLayout nhwc_layout(int64_t h, int64_t w, int64_t c) {
  return {h * w * c, kChannelBlock, c};
}

BlockLayout blocked_layout(int64_t h, int64_t w, int64_t c) {
  TAILOR_CHECK(c % kChannelBlock == 0, ShapeError, "blocked_layout: ", c,
               " channels, not a multiple of ", kChannelBlock);
  return {h * w * c, h * w * kChannelBlock, kChannelBlock};
}

BlockedWeights::BlockedWeights(const float* w, const float* b, int64_t kernel_h_, int64_t kernel_w_,
                               int64_t in_c_, int64_t out_c_, bool relu6_)
    : kernel_h(kernel_h_), kernel_w(kernel_w_), in_c(in_c_), out_c(out_c_), relu6(relu6_) {
  const int64_t G = groups(), IB = in_blocks(), RB = row_blocks(), taps = kernel_h * kernel_w;
  weights.assign(size_t(G * RB * 16 * 64), 0.f);
  bias.assign(size_t(G * 64), 0.f);
  for (int64_t t = 0; t < taps; ++t)
    for (int64_t c = 0; c < in_c; ++c) {
      const int64_t block = folded() ? t / kernel_w : t * IB + c / 16;
      const int64_t row = folded() ? t % kernel_w * in_c + c : c % 16;
      for (int64_t o = 0; o < out_c; ++o)
        weights[size_t(((o / 64 * RB + block) * 16 + row) * 64 + o % 64)] =
            w[(t * in_c + c) * out_c + o];
    }
  if (b) std::copy(b, b + out_c, bias.begin());
}

void to_layout(int64_t batch, int64_t h, int64_t w, int64_t c, const float* x, BlockLayout xl,
               float* y, BlockLayout yl) {
  for (int64_t i = 0; i < batch; ++i)
    for (int64_t p = 0; p < h * w; ++p)
      for (int64_t ch = 0; ch < c; ++ch) {
        const int64_t b = ch / kChannelBlock, l = ch % kChannelBlock;
        y[i * yl.image + b * yl.block + p * yl.pixel + l] =
            x[i * xl.image + b * xl.block + p * xl.pixel + l];
      }
}

namespace simd {

TAILOR_TARGET_AVX512_BEGIN
namespace avx512 {
#include "kernels/cpu/blocked_conv_body.inc"
constexpr int kPixels = 6, kBlocks = 4, kColumns = 8;  // 24 accumulators of 32 registers
}  // namespace avx512
TAILOR_TARGET_END

TAILOR_TARGET_AVX2_BEGIN
namespace avx2 {
#include "kernels/cpu/blocked_conv_body.inc"
constexpr int kPixels = 3, kBlocks = 2, kColumns = 4;  // 12 accumulators of 16 registers
}  // namespace avx2
TAILOR_TARGET_END

namespace scalar {
#include "kernels/cpu/blocked_conv_body.inc"
constexpr int kPixels = 1, kBlocks = 1, kColumns = 1;
}  // namespace scalar

}  // namespace simd

namespace {

using ConvFn = void (*)(const ConvGeometry&, const float*, BlockLayout, const BlockedWeights&,
                        float*, BlockLayout, int64_t, bool, int64_t, int64_t);
using DepthwiseFn = void (*)(const ConvGeometry&, const float*, BlockLayout, const float*,
                             const float*, bool, float*, BlockLayout, int64_t, int64_t, int64_t);

// Whether a layer's threads split each image into bands of pixels (each reads all the
// weights) or into bands of output channels (each reads the whole input): the first where the
// weights are the smaller read, kh * kw * out_c < in_h * in_w. The pool runs a region's tasks
// in per-thread ranges (thread_pool.h), so a thread then reads the part of the input that it
// wrote in the layer before, from its own L2: MobileNet's depthwise and pointwise layers agree
// (out_c < pixels down to 38x38x256, out_c > pixels from 19x19x512 on, and a depthwise layer's
// C < in_h * in_w matches the pointwise layer that wrote its input).
bool split_spatially(int64_t kernel_taps, int64_t out_c, int64_t in_pixels) {
  return kernel_taps * out_c < in_pixels;
}

template <bool kDense>
void run_conv(const ConvGeometry& g, const float* x, BlockLayout xl, const BlockedWeights& w,
              float* y, BlockLayout yl) {
  namespace s = simd;
  const ConvFn fn =
      for_simd_level<ConvFn>(s::avx512::conv_tasks<s::avx512::kPixels, s::avx512::kBlocks, kDense>,
                             s::avx2::conv_tasks<s::avx2::kPixels, s::avx2::kBlocks, kDense>,
                             s::scalar::conv_tasks<s::scalar::kPixels, s::scalar::kBlocks, kDense>);
  // Pixel chunks as long as 8 tasks per thread allow, and at least 48 pixels: each chunk
  // reloads its group's weights into L1 once per input batch, so 48-pixel chunks cost 1.2x on
  // 19x19x512 against whole maps, and 10x10x1024 -> 256 ran 1.07x slower in chunks of 48, 48
  // and 4 pixels than of 72 and 28. At batch 1 the predictors' 5 and 9 groups ran 0.85x and
  // 0.93x in 8 tasks per thread against 4 (bench/RESULTS.md, 2026-12-08). A pixel's sums do not
  // depend on the chunking (the same order over the weights' rows in every tile), so neither do the
  // results. Multiples of 24: whole tiles of every width.
  const int64_t pixels = g.out_h * g.out_w, per_image_groups = g.batch * w.groups();
  const int64_t chunks =
      std::clamp<int64_t>((8 * num_threads() + per_image_groups - 1) / per_image_groups, 1,
                          std::max<int64_t>(1, pixels / 48));
  const int64_t chunk = std::max<int64_t>(24, ((pixels + chunks - 1) / chunks + 23) / 24 * 24);
  const int64_t tasks = per_image_groups * ((pixels + chunk - 1) / chunk);
  const bool spatial = split_spatially(g.kernel_h * g.kernel_w, g.out_c, g.in_h * g.in_w);
  parallel_for(0, tasks, 1,
               [&](int64_t t0, int64_t t1) { fn(g, x, xl, w, y, yl, chunk, spatial, t0, t1); });
}

}  // namespace

void blocked_pointwise_forward(int64_t batch, int64_t pixels, const float* x, BlockLayout xl,
                               const BlockedWeights& w, float* y, BlockLayout yl) {
  TAILOR_CHECK(w.kernel_h == 1 && w.kernel_w == 1, UsageError, "blocked_pointwise_forward: a ",
               w.kernel_h, "x", w.kernel_w, " kernel");
  // The pixels as one row: a 1x1 stride-1 geometry.
  const ConvGeometry g =
      make_conv_geometry(batch, 1, pixels, w.in_c, 1, 1, w.out_c, 1, Padding::Valid);
  run_conv<false>(g, x, xl, w, y, yl);
}

void blocked_conv_forward(const ConvGeometry& g, const float* x, BlockLayout xl,
                          const BlockedWeights& w, float* y, BlockLayout yl) {
  TAILOR_CHECK(g.kernel_h == w.kernel_h && g.kernel_w == w.kernel_w && g.in_c == w.in_c &&
                   g.out_c == w.out_c,
               ShapeError, "blocked_conv_forward: weights ", w.kernel_h, "x", w.kernel_w, "x",
               w.in_c, "->", w.out_c, " for a ", g.kernel_h, "x", g.kernel_w, "x", g.in_c, "->",
               g.out_c, " convolution");
  TAILOR_CHECK(!w.folded() || xl.pixel == g.in_c, ShapeError,
               "blocked_conv_forward: folded weights (", g.in_c,
               " input channels) read NHWC input only");
  run_conv<true>(g, x, xl, w, y, yl);
}

void blocked_depthwise_forward(const ConvGeometry& g, const float* x, BlockLayout xl,
                               const float* w, const float* bias, bool relu6, float* y,
                               BlockLayout yl) {
  namespace s = simd;
  TAILOR_CHECK(bias != nullptr, UsageError, "blocked_depthwise_forward: a bias is required");
  const DepthwiseFn fn = for_simd_level<DepthwiseFn>(
      s::avx512::depthwise_rows<s::avx512::kColumns>, s::avx2::depthwise_rows<s::avx2::kColumns>,
      s::scalar::depthwise_rows<s::scalar::kColumns>);
  const int64_t rows = g.batch * ((g.in_c + kChannelBlock - 1) / kChannelBlock) * g.out_h;
  const int64_t grain = std::max<int64_t>(1, 4096 / std::max<int64_t>(1, g.out_w * kChannelBlock));
  // Bands only where the images alone do not give each thread its own (batch < threads).
  const int64_t bands =
      split_spatially(1, g.in_c, g.in_h * g.in_w) ? (num_threads() + g.batch - 1) / g.batch : 1;
  parallel_for(0, rows, grain,
               [&](int64_t r0, int64_t r1) { fn(g, x, xl, w, bias, relu6, y, yl, bands, r0, r1); });
}

}  // namespace tailor::kernels::cpu
