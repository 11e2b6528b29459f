// The channel-blocked (NCHWc) depthwise, pointwise and dense kernels against the NHWC reference
// loops, at every ISA level, reading and writing both layouts, on MobileNet shapes and on channel
// counts that are not multiples of 16 (NHWC only) or of the 64-channel groups.
#include "kernels/cpu/blocked_conv.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "kernels/cpu/conv2d.h"
#include "kernels/cpu/depthwise_conv.h"
#include "kernels/cpu/sgemm.h"
#include "runtime/thread_pool.h"
#include "tests/kernels/kernel_test_util.h"

namespace tailor {
namespace {

namespace k = kernels::cpu;

// Bias, then ReLU6, on NHWC sums: what the blocked kernels fuse into their stores.
void finish_ref(std::vector<float>* y, const std::vector<float>& bias, bool relu6) {
  const size_t C = bias.size();
  for (size_t i = 0; i < y->size(); ++i) {
    float v = (*y)[i] + bias[i % C];
    if (relu6) v = std::min(std::max(v, 0.f), 6.f);
    (*y)[i] = v;
  }
}

k::BlockLayout layout_of(bool blocked, int64_t h, int64_t w, int64_t c) {
  return blocked ? k::blocked_layout(h, w, c) : k::nhwc_layout(h, w, c);
}

// One map of a kernel's input and output: its shape and the layout the kernel sees it in.
struct Map {
  int64_t h, w, c;
  bool blocked;
  k::BlockLayout layout() const { return layout_of(blocked, h, w, c); }
  std::string name() const { return blocked ? "blocked" : "nhwc"; }
};

// Runs `kernel(x, y)` on x (NHWC) copied into the input's layout and returns its output copied
// back to NHWC; the output starts as a value no kernel writes, so a missed element shows.
template <typename Kernel>
std::vector<float> through_layouts(int64_t batch, const std::vector<float>& x, const Map& in,
                                   const Map& out, Kernel kernel) {
  std::vector<float> xin(x.size()), y(size_t(batch * out.h * out.w * out.c), -7.f), got(y.size());
  k::to_layout(batch, in.h, in.w, in.c, x.data(), k::nhwc_layout(in.h, in.w, in.c), xin.data(),
               in.layout());
  kernel(xin.data(), y.data());
  k::to_layout(batch, out.h, out.w, out.c, y.data(), out.layout(), got.data(),
               k::nhwc_layout(out.h, out.w, out.c));
  return got;
}

// Runs `kernel(xin, in_layout, y, out_layout)` in every pair of layouts that the shapes allow
// (the blocked one needs whole 16-channel blocks) and compares its output with want (NHWC).
template <typename Kernel>
void expect_in_every_layout(int64_t batch, const std::vector<float>& x, Map in, Map out,
                            const std::vector<float>& want, double tolerance,
                            const std::string& what, Kernel kernel) {
  for (bool in_blocked : {false, true})
    for (bool out_blocked : {false, true}) {
      if ((in_blocked && in.c % 16) || (out_blocked && out.c % 16)) continue;
      in.blocked = in_blocked;
      out.blocked = out_blocked;
      const std::vector<float> got = through_layouts(
          batch, x, in, out,
          [&](const float* xin, float* y) { kernel(xin, in.layout(), y, out.layout()); });
      EXPECT_CLOSE_VECTORS(got, want, tolerance, tolerance,
                           what + " " + in.name() + "->" + out.name());
    }
}

struct PointwiseCase {
  int64_t batch, h, w, in_c, out_c;
};

class BlockedConv : public ::testing::TestWithParam<SimdLevel> {};

TEST_P(BlockedConv, PointwiseMatchesTheReference) {
  k::ScopedKernelSimdLevel level(GetParam());
  std::mt19937 rng(3);
  for (const PointwiseCase& s : {PointwiseCase{1, 19, 19, 512, 512},
                                 PointwiseCase{2, 10, 10, 96, 48}, PointwiseCase{1, 5, 7, 24, 42},
                                 PointwiseCase{3, 3, 3, 64, 144}, PointwiseCase{1, 1, 1, 16, 8}}) {
    const int64_t P = s.h * s.w;
    const auto x = testing::random_floats(size_t(s.batch * P * s.in_c), rng);
    const auto w = testing::random_floats(size_t(s.in_c * s.out_c), rng);
    const auto bias = testing::random_floats(size_t(s.out_c), rng, -2.f, 2.f);
    for (bool relu6 : {false, true}) {
      std::vector<float> want(size_t(s.batch * P * s.out_c));
      k::sgemm_ref(false, false, s.batch * P, s.out_c, s.in_c, 1.f, x.data(), s.in_c, w.data(),
                   s.out_c, 0.f, want.data(), s.out_c);
      finish_ref(&want, bias, relu6);
      const k::BlockedWeights packed(w.data(), bias.data(), 1, 1, s.in_c, s.out_c, relu6);
      expect_in_every_layout(s.batch, x, {s.h, s.w, s.in_c, false}, {s.h, s.w, s.out_c, false},
                             want, 1e-4,
                             "pointwise " + std::to_string(s.h) + "x" + std::to_string(s.w) + "x" +
                                 std::to_string(s.in_c) + "->" + std::to_string(s.out_c),
                             [&](const float* xin, k::BlockLayout xl, float* y, k::BlockLayout yl) {
                               k::blocked_pointwise_forward(s.batch, P, xin, xl, packed, y, yl);
                             });
    }
  }
}

struct DepthwiseCase {
  int64_t batch, h, w, c, stride;
};

TEST_P(BlockedConv, DepthwiseMatchesTheReference) {
  k::ScopedKernelSimdLevel level(GetParam());
  std::mt19937 rng(5);
  for (const DepthwiseCase& s : {DepthwiseCase{1, 19, 19, 512, 1}, DepthwiseCase{2, 38, 38, 64, 2},
                                 DepthwiseCase{1, 150, 150, 24, 1}, DepthwiseCase{1, 75, 75, 48, 2},
                                 DepthwiseCase{2, 5, 3, 32, 2}, DepthwiseCase{1, 1, 1, 16, 1}}) {
    const auto g = kernels::make_conv_geometry(s.batch, s.h, s.w, s.c, 3, 3, s.c, s.stride,
                                               kernels::Padding::Same);
    const auto x = testing::random_floats(size_t(g.input_numel()), rng);
    const auto w = testing::random_floats(size_t(9 * s.c), rng);
    const auto bias = testing::random_floats(size_t(s.c), rng, -2.f, 2.f);
    std::vector<float> sums(size_t(g.output_numel()));
    k::depthwise_conv2d_forward_ref(g, x.data(), w.data(), sums.data());
    for (bool relu6 : {false, true}) {
      std::vector<float> want = sums;
      finish_ref(&want, bias, relu6);
      expect_in_every_layout(
          g.batch, x, {g.in_h, g.in_w, s.c, false}, {g.out_h, g.out_w, s.c, false}, want, 1e-5,
          "depthwise " + std::to_string(s.h) + "x" + std::to_string(s.w) + "x" +
              std::to_string(s.c) + " s" + std::to_string(s.stride),
          [&](const float* xin, k::BlockLayout xl, float* y, k::BlockLayout yl) {
            k::blocked_depthwise_forward(g, xin, xl, w.data(), bias.data(), relu6, y, yl);
          });
    }
  }
}

struct DenseCase {
  int64_t batch, h, w, in_c, out_c, kernel, stride;
};

// Conv2d_0 (the image's 3 channels; 32 channels, or 24 at depth 0.75), the extra 3x3 stride-2
// layers down to 1x1, a 3x3 predictor's 42 channels, a group at most a quarter full, folded
// rows (kw * in_c <= 16) with padding on both sides, and folded rows whose pixels lie 6 floats
// apart at stride 1 (Conv2d_0's own tile wants stride 2 over 3 channels).
TEST_P(BlockedConv, DenseMatchesTheReference) {
  k::ScopedKernelSimdLevel level(GetParam());
  std::mt19937 rng(7);
  for (const DenseCase& s :
       {DenseCase{1, 300, 300, 3, 32, 3, 2}, DenseCase{2, 17, 13, 3, 24, 3, 2},
        DenseCase{1, 10, 10, 256, 512, 3, 2}, DenseCase{2, 3, 3, 128, 256, 3, 2},
        DenseCase{1, 2, 2, 64, 128, 3, 2}, DenseCase{1, 9, 7, 40, 42, 3, 1},
        DenseCase{1, 6, 5, 16, 8, 3, 1}, DenseCase{1, 7, 7, 32, 48, 1, 2},
        DenseCase{2, 8, 9, 5, 16, 3, 1}, DenseCase{1, 9, 30, 6, 16, 2, 1}}) {
    const auto g = kernels::make_conv_geometry(s.batch, s.h, s.w, s.in_c, s.kernel, s.kernel,
                                               s.out_c, s.stride, kernels::Padding::Same);
    const auto x = testing::random_floats(size_t(g.input_numel()), rng);
    const auto w = testing::random_floats(size_t(s.kernel * s.kernel * s.in_c * s.out_c), rng);
    const auto bias = testing::random_floats(size_t(s.out_c), rng, -2.f, 2.f);
    std::vector<float> sums(size_t(g.output_numel()));
    k::conv2d_forward_ref(g, x.data(), w.data(), sums.data());
    for (bool relu6 : {false, true}) {
      std::vector<float> want = sums;
      finish_ref(&want, bias, relu6);
      const k::BlockedWeights packed(w.data(), bias.data(), s.kernel, s.kernel, s.in_c, s.out_c,
                                     relu6);
      expect_in_every_layout(g.batch, x, {g.in_h, g.in_w, s.in_c, false},
                             {g.out_h, g.out_w, s.out_c, false}, want, 1e-4,
                             "dense " + std::to_string(s.kernel) + "x" + std::to_string(s.kernel) +
                                 " s" + std::to_string(s.stride) + " on " + std::to_string(s.h) +
                                 "x" + std::to_string(s.w) + "x" + std::to_string(s.in_c) + "->" +
                                 std::to_string(s.out_c),
                             [&](const float* xin, k::BlockLayout xl, float* y, k::BlockLayout yl) {
                               k::blocked_conv_forward(g, xin, xl, packed, y, yl);
                             });
    }
  }
}

// The pointwise and dense kernels' pixel chunks follow the thread count, but each pixel's sums
// run in the same order in every tile, so the bits do not. Large maps split by bands of pixels
// (the depthwise's rows in one band per thread at batch 1), small ones by channels: both here,
// at thread counts that do not divide the rows.
TEST(BlockedConvThreads, BandsOfPixelsOrOfChannelsGiveTheSameBits) {
  std::mt19937 rng(11);
  const int64_t h = 75, w = 75, c = 64;
  const auto x = testing::random_floats(size_t(2 * h * w * c), rng);
  const auto wt = testing::random_floats(size_t(9 * c * c), rng);
  const auto bias = testing::random_floats(size_t(c), rng);
  const k::BlockedWeights pointwise(wt.data(), bias.data(), 1, 1, c, c, true);
  const k::BlockLayout l = k::blocked_layout(h, w, c);
  std::vector<std::vector<float>> out;
  for (int threads : {1, 2, 3, 5}) {
    set_num_threads(threads);
    out.emplace_back();
    for (int64_t batch : {1, 2})
      for (int64_t stride : {1, 2}) {
        const auto g =
            kernels::make_conv_geometry(batch, h, w, c, 3, 3, c, stride, kernels::Padding::Same);
        std::vector<float> y(size_t(g.output_numel()));
        k::blocked_depthwise_forward(g, x.data(), l, wt.data(), bias.data(), true, y.data(),
                                     k::blocked_layout(g.out_h, g.out_w, c));
        out.back().insert(out.back().end(), y.begin(), y.end());
      }
    std::vector<float> y(size_t(h * w * c));
    k::blocked_pointwise_forward(1, h * w, x.data(), l, pointwise, y.data(), l);
    out.back().insert(out.back().end(), y.begin(), y.end());
  }
  set_num_threads(0);
  for (size_t i = 1; i < out.size(); ++i) EXPECT_EQ(out[0], out[i]) << i;
}

TEST(BlockedConvThreads, BitsDoNotDependOnTheThreadCount) {
  std::mt19937 rng(9);
  const int64_t h = 19, w = 19, c = 512;
  const auto x = testing::random_floats(size_t(h * w * c), rng);
  const auto wt = testing::random_floats(size_t(9 * c * c), rng);
  const auto bias = testing::random_floats(size_t(c), rng);
  const k::BlockedWeights pointwise(wt.data(), bias.data(), 1, 1, c, c, true);
  const k::BlockedWeights dense(wt.data(), bias.data(), 3, 3, c, c, true);
  const auto g = kernels::make_conv_geometry(1, h, w, c, 3, 3, c, 1, kernels::Padding::Same);
  const k::BlockLayout l = k::blocked_layout(h, w, c);
  std::vector<std::vector<float>> out;
  for (int threads : {1, 2, 5}) {
    set_num_threads(threads);
    out.emplace_back(2 * x.size());
    k::blocked_pointwise_forward(1, h * w, x.data(), l, pointwise, out.back().data(), l);
    k::blocked_conv_forward(g, x.data(), l, dense, out.back().data() + x.size(), l);
  }
  set_num_threads(0);
  EXPECT_EQ(out[0], out[1]);
  EXPECT_EQ(out[0], out[2]);
}

INSTANTIATE_TEST_SUITE_P(SimdLevels, BlockedConv,
                         ::testing::ValuesIn(testing::runnable_simd_levels()),
                         [](const auto& info) { return std::string(simd_level_name(info.param)); });

}  // namespace
}  // namespace tailor
