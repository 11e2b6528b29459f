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

BlockedPointwise::BlockedPointwise(const float* w, const float* b, int64_t in_c_, int64_t out_c_,
                                   bool relu6_)
    : in_c(in_c_), out_c(out_c_), relu6(relu6_) {
  const int64_t G = groups(), IB = in_blocks();
  weights.assign(size_t(G * IB * 16 * 64), 0.f);
  bias.assign(size_t(G * 64), 0.f);
  for (int64_t c = 0; c < in_c; ++c)
    for (int64_t o = 0; o < out_c; ++o)
      weights[size_t(((o / 64 * IB + c / 16) * 16 + c % 16) * 64 + o % 64)] = w[c * out_c + o];
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

using PointwiseFn = void (*)(int64_t, const float*, BlockLayout, const BlockedPointwise&, float*,
                             BlockLayout, int64_t, int64_t, int64_t);
using DepthwiseFn = void (*)(const ConvGeometry&, const float*, BlockLayout, const float*,
                             const float*, bool, float*, BlockLayout, int64_t, int64_t);

}  // namespace

void blocked_pointwise_forward(int64_t batch, int64_t pixels, const float* x, BlockLayout xl,
                               const BlockedPointwise& w, float* y, BlockLayout yl) {
  namespace s = simd;
  const PointwiseFn fn = for_simd_level<PointwiseFn>(
      s::avx512::pointwise_tasks<s::avx512::kPixels, s::avx512::kBlocks>,
      s::avx2::pointwise_tasks<s::avx2::kPixels, s::avx2::kBlocks>,
      s::scalar::pointwise_tasks<s::scalar::kPixels, s::scalar::kBlocks>);
  // Pixel chunks as long as the threads allow: each chunk reloads its group's weights into L1
  // once per input batch, so 48-pixel chunks cost 1.2x on 19x19x512 against whole maps. A
  // pixel's sums do not depend on the chunking (the same order over input channels in every
  // tile), so neither do the results.
  const int64_t per_image_groups = batch * w.groups();
  const int64_t chunks =
      std::max<int64_t>(1, (4 * num_threads() + per_image_groups - 1) / per_image_groups);
  const int64_t chunk = std::max<int64_t>(6, ((pixels + chunks - 1) / chunks + 5) / 6 * 6);
  const int64_t tasks = per_image_groups * ((pixels + chunk - 1) / chunk);
  parallel_for(0, tasks, 1,
               [&](int64_t t0, int64_t t1) { fn(pixels, x, xl, w, y, yl, chunk, t0, t1); });
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
  parallel_for(0, rows, grain,
               [&](int64_t r0, int64_t r1) { fn(g, x, xl, w, bias, relu6, y, yl, r0, r1); });
}

}  // namespace tailor::kernels::cpu
