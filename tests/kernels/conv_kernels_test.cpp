// Fast depthwise, pointwise and dense convolution kernels against their reference loops, at
// every SIMD level this machine runs, on odd shapes (channels not a multiple of the vector
// width, odd H/W, batch 1 and 3, stride 1 and 2, SAME and VALID).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <sstream>
#include <tuple>

#include "kernels/cpu/conv2d.h"
#include "kernels/cpu/depthwise_conv.h"
#include "kernels/cpu/sgemm.h"
#include "tests/kernels/kernel_test_util.h"

namespace tailor {
namespace {

namespace k = kernels::cpu;
using kernels::ConvGeometry;
using kernels::Padding;
using testing::random_floats;

struct Case {
  int64_t n, h, w, c, kh, kw, out_c, stride;
  Padding padding;
};

std::string describe(const Case& s) {
  std::ostringstream os;
  os << "[" << s.n << "," << s.h << "," << s.w << "," << s.c << "] k" << s.kh << "x" << s.kw
     << " out_c " << s.out_c << " s" << s.stride
     << (s.padding == Padding::Same ? " SAME" : " VALID");
  return os.str();
}

using Kernel = void (*)(const ConvGeometry&, const float*, const float*, float*);
struct Passes {
  Kernel fwd, bwd_in, bwd_w, fwd_ref, bwd_in_ref, bwd_w_ref;
};

// Runs all three passes through both implementations; tolerances scale with the number of
// terms summed per output.
void check_passes(const Case& s, const Passes& p, bool depthwise, std::mt19937& rng) {
  const ConvGeometry g =
      kernels::make_conv_geometry(s.n, s.h, s.w, s.c, s.kh, s.kw, s.out_c, s.stride, s.padding);
  const int64_t w_numel = s.kh * s.kw * s.c * (depthwise ? 1 : s.out_c);
  const std::vector<float> x = random_floats(g.input_numel(), rng);
  const std::vector<float> w = random_floats(w_numel, rng);
  const std::vector<float> dy = random_floats(g.output_numel(), rng);
  const double terms = double(s.kh * s.kw) * (depthwise ? 1 : s.c);
  const double atol = 2e-6 * (terms + 4);

  std::vector<float> y(g.output_numel(), -7.f), y_ref(g.output_numel());
  p.fwd(g, x.data(), w.data(), y.data());
  p.fwd_ref(g, x.data(), w.data(), y_ref.data());
  EXPECT_CLOSE_VECTORS(y, y_ref, atol, 1e-5, "forward " + describe(s));

  std::vector<float> dx(g.input_numel(), -7.f), dx_ref(g.input_numel());
  p.bwd_in(g, dy.data(), w.data(), dx.data());
  p.bwd_in_ref(g, dy.data(), w.data(), dx_ref.data());
  EXPECT_CLOSE_VECTORS(dx, dx_ref, atol * (depthwise ? 1 : double(s.out_c) / s.c + 1), 1e-5,
                       "backward input " + describe(s));

  std::vector<float> dw(w_numel, -7.f), dw_ref(w_numel);
  p.bwd_w(g, x.data(), dy.data(), dw.data());
  p.bwd_w_ref(g, x.data(), dy.data(), dw_ref.data());
  EXPECT_CLOSE_VECTORS(dw, dw_ref, 2e-6 * (g.batch * g.out_h * g.out_w + 4), 1e-5,
                       "backward filter " + describe(s));
}

class ConvKernels : public ::testing::TestWithParam<SimdLevel> {};

TEST_P(ConvKernels, DepthwiseMatchesReference) {
  k::ScopedKernelSimdLevel level(GetParam());
  std::mt19937 rng(21);
  const Passes p{k::depthwise_conv2d_forward,
                 k::depthwise_conv2d_backward_input,
                 k::depthwise_conv2d_backward_filter,
                 k::depthwise_conv2d_forward_ref,
                 k::depthwise_conv2d_backward_input_ref,
                 k::depthwise_conv2d_backward_filter_ref};
  const Case cases[] = {
      {1, 7, 9, 5, 3, 3, 5, 1, Padding::Same},      {3, 8, 6, 17, 3, 3, 17, 2, Padding::Same},
      {1, 11, 10, 33, 3, 3, 33, 2, Padding::Valid}, {3, 5, 5, 48, 3, 3, 48, 1, Padding::Valid},
      {1, 10, 10, 40, 3, 3, 40, 2, Padding::Same},  {2, 9, 7, 3, 5, 5, 3, 2, Padding::Same},
      {1, 6, 13, 1, 1, 3, 1, 1, Padding::Same},     {1, 3, 3, 64, 3, 3, 64, 1, Padding::Same},
      {2, 38, 37, 35, 3, 3, 35, 1, Padding::Same},  // large enough to split across threads
  };
  for (const Case& s : cases) check_passes(s, p, true, rng);
}

TEST_P(ConvKernels, PointwiseMatchesReference) {
  k::ScopedKernelSimdLevel level(GetParam());
  std::mt19937 rng(22);
  const Passes p{k::pointwise_conv2d_forward,         k::pointwise_conv2d_backward_input,
                 k::pointwise_conv2d_backward_filter, k::conv2d_forward_ref,
                 k::conv2d_backward_input_ref,        k::conv2d_backward_filter_ref};
  const Case cases[] = {{1, 5, 7, 3, 1, 1, 16, 1, Padding::Same},
                        {3, 9, 4, 37, 1, 1, 21, 1, Padding::Same},
                        {1, 10, 10, 64, 1, 1, 130, 1, Padding::Valid}};
  for (const Case& s : cases) check_passes(s, p, false, rng);
}

TEST_P(ConvKernels, DenseMatchesReference) {
  k::ScopedKernelSimdLevel level(GetParam());
  std::mt19937 rng(23);
  const Passes p{
      k::conv2d_forward,     k::conv2d_backward_input,     k::conv2d_backward_filter,
      k::conv2d_forward_ref, k::conv2d_backward_input_ref, k::conv2d_backward_filter_ref};
  const Case cases[] = {
      {1, 9, 9, 3, 3, 3, 8, 2, Padding::Same},   {3, 8, 7, 5, 3, 3, 17, 1, Padding::Same},
      {1, 11, 8, 4, 3, 3, 6, 2, Padding::Valid}, {2, 7, 9, 6, 1, 1, 5, 2, Padding::Same},
      {1, 10, 12, 3, 5, 3, 7, 2, Padding::Same}, {3, 6, 6, 2, 2, 2, 3, 1, Padding::Valid},
      {2, 5, 6, 7, 1, 1, 9, 1, Padding::Same},  // 1x1 stride 1 takes the pointwise path
  };
  for (const Case& s : cases) check_passes(s, p, false, rng);
}

// The inference path's dense convolution (weights packed once, bias + ReLU6 in the GEMM's
// stores), and the training path's with the same epilogue (a frozen batch norm folded in),
// against conv2d_forward with the epilogue applied after it, bit for bit: narrow column
// matrices gathered band by band (the first layer's 3 channels at stride 2, several bands and
// a partial last one, padding on both sides), wide ones through one whole GEMM, and a 1x1
// stride-1 kernel (the pointwise GEMM).
TEST_P(ConvKernels, DensePackedMatchesTheTrainingForwardBitForBit) {
  k::ScopedKernelSimdLevel level(GetParam());
  std::mt19937 rng(24);
  const Case cases[] = {
      {1, 300, 300, 3, 3, 3, 32, 2, Padding::Same}, {2, 61, 47, 3, 3, 3, 24, 2, Padding::Same},
      {3, 9, 11, 16, 3, 3, 19, 1, Padding::Same},   {1, 10, 10, 256, 3, 3, 40, 2, Padding::Same},
      {1, 3, 3, 128, 3, 3, 16, 2, Padding::Same},   {1, 2, 2, 3, 3, 3, 5, 2, Padding::Valid},
      {2, 7, 5, 24, 1, 1, 40, 1, Padding::Same},
  };
  for (const Case& s : cases) {
    const ConvGeometry g =
        kernels::make_conv_geometry(s.n, s.h, s.w, s.c, s.kh, s.kw, s.out_c, s.stride, s.padding);
    const int64_t K = s.kh * s.kw * s.c;
    const std::vector<float> x = random_floats(g.input_numel(), rng);
    const std::vector<float> w = random_floats(K * s.out_c, rng);
    const std::vector<float> bias = random_floats(s.out_c, rng, -4.f, 4.f);
    std::vector<float> expected(g.output_numel()), y(g.output_numel(), -7.f);
    k::conv2d_forward(g, x.data(), w.data(), expected.data());
    for (size_t i = 0; i < expected.size(); ++i)
      expected[i] = std::min(std::max(expected[i] + bias[i % s.out_c], 0.f), 6.f);
    std::vector<float> col(size_t(k::conv2d_col_floats(g)));
    k::conv2d_forward_packed(g, x.data(), k::PackedMatrix(false, K, s.out_c, w.data(), s.out_c),
                             y.data(), {bias.data(), true}, col.data());
    EXPECT_EQ(y, expected) << describe(s);
    std::fill(y.begin(), y.end(), -7.f);
    k::conv2d_forward(g, x.data(), w.data(), y.data(), {bias.data(), true});
    EXPECT_EQ(y, expected) << "training forward with the epilogue, " << describe(s);
  }
}

// The depthwise forward and input gradient sum each pixel's in-bounds taps in kernel order
// (row, then column), one fused multiply-add each from zero (a multiply and an add at the
// scalar level): whichever path a pixel takes (the 8-pixel register windows of AVX-512, the
// per-block rows, the border tap lists), the bits are those of this plain loop. Widths 21 and
// 29 give full windows and a remainder; 40 channels a partial channel block.
TEST_P(ConvKernels, DepthwiseStride1SumsTapsInKernelOrderBitForBit) {
  k::ScopedKernelSimdLevel level(GetParam());
  const bool fused = GetParam() != SimdLevel::Scalar;
  auto madd = [fused](float a, float b, float c) { return fused ? std::fma(a, b, c) : a * b + c; };
  std::mt19937 rng(24);
  for (const auto& [h, w_, c] : {std::tuple{5, 21, 40}, std::tuple{3, 29, 16}}) {
    const ConvGeometry g = kernels::make_conv_geometry(2, h, w_, c, 3, 3, c, 1, Padding::Same);
    const std::vector<float> x = testing::random_floats(g.input_numel(), rng);
    const std::vector<float> w = testing::random_floats(9 * c, rng);
    const std::vector<float> dy = testing::random_floats(g.output_numel(), rng);
    std::vector<float> y(g.output_numel()), dx(g.input_numel());
    k::depthwise_conv2d_forward(g, x.data(), w.data(), y.data());
    k::depthwise_conv2d_backward_input(g, dy.data(), w.data(), dx.data());
    std::vector<float> y_want(y.size()), dx_want(dx.size());
    for (int64_t n = 0; n < g.batch; ++n)
      for (int64_t r = 0; r < h; ++r)
        for (int64_t q = 0; q < w_; ++q)
          for (int64_t ch = 0; ch < c; ++ch) {
            float fwd = 0, bwd = 0;
            for (int64_t i = 0; i < 3; ++i)
              for (int64_t j = 0; j < 3; ++j) {
                const int64_t wi = (i * 3 + j) * c + ch;
                const int64_t ir = r - g.pad_top + i, iq = q - g.pad_left + j;  // forward reads
                if (ir >= 0 && ir < h && iq >= 0 && iq < w_)
                  fwd = madd(x[((n * h + ir) * w_ + iq) * c + ch], w[wi], fwd);
                const int64_t orow = r + g.pad_top - i, oq = q + g.pad_left - j;  // gradient
                if (orow >= 0 && orow < h && oq >= 0 && oq < w_)
                  bwd = madd(dy[((n * h + orow) * w_ + oq) * c + ch], w[wi], bwd);
              }
            y_want[((n * h + r) * w_ + q) * c + ch] = fwd;
            dx_want[((n * h + r) * w_ + q) * c + ch] = bwd;
          }
    EXPECT_EQ(y, y_want) << "forward " << h << "x" << w_ << "x" << c;
    EXPECT_EQ(dx, dx_want) << "input gradient " << h << "x" << w_ << "x" << c;
  }
}

INSTANTIATE_TEST_SUITE_P(Levels, ConvKernels, ::testing::ValuesIn(testing::runnable_simd_levels()),
                         [](const auto& info) { return std::string(simd_level_name(info.param)); });

// TF SAME: out = ceil(in / stride), total padding split with the extra pixel at the bottom/right.
TEST(ConvGeometry, TfSamePaddingKnownValues) {
  const ConvGeometry g = kernels::make_conv_geometry(1, 300, 300, 3, 3, 3, 32, 2, Padding::Same);
  EXPECT_EQ(g.out_h, 150);
  EXPECT_EQ(g.out_w, 150);
  EXPECT_EQ(g.pad_top, 0);  // total (150-1)*2 + 3 - 300 = 1: 0 top, 1 bottom
  EXPECT_EQ(g.pad_left, 0);
  const ConvGeometry s1 = kernels::make_conv_geometry(1, 19, 19, 8, 3, 3, 8, 1, Padding::Same);
  EXPECT_EQ(s1.out_h, 19);
  EXPECT_EQ(s1.pad_top, 1);  // total 2: 1 each side
  const ConvGeometry odd = kernels::make_conv_geometry(1, 5, 5, 1, 3, 3, 1, 2, Padding::Same);
  EXPECT_EQ(odd.out_h, 3);
  EXPECT_EQ(odd.pad_top, 1);  // total (3-1)*2 + 3 - 5 = 2
  const ConvGeometry valid =
      kernels::make_conv_geometry(1, 300, 300, 3, 3, 3, 32, 2, Padding::Valid);
  EXPECT_EQ(valid.out_h, 149);  // ceil((300 - 3 + 1) / 2)
  EXPECT_EQ(valid.pad_top, 0);
  const ConvGeometry valid1 = kernels::make_conv_geometry(1, 10, 7, 1, 3, 3, 1, 1, Padding::Valid);
  EXPECT_EQ(valid1.out_h, 8);
  EXPECT_EQ(valid1.out_w, 5);
}

// 4x4 input 0..15, 3x3 all-ones kernel, stride 2 SAME: out 2x2, padding 0 top/left and 1
// bottom/right, so output (0,0) sums rows 0-2 x cols 0-2 and (1,1) sums rows 2-3 x cols 2-3.
TEST_P(ConvKernels, TfSameStride2HandComputed) {
  k::ScopedKernelSimdLevel level(GetParam());
  std::vector<float> x(16);
  for (int i = 0; i < 16; ++i) x[i] = float(i);
  const std::vector<float> ones(9, 1.f);
  const std::vector<float> expected{0 + 1 + 2 + 4 + 5 + 6 + 8 + 9 + 10,  // 45
                                    2 + 3 + 6 + 7 + 10 + 11,             // 39
                                    8 + 9 + 10 + 12 + 13 + 14,           // 66
                                    10 + 11 + 14 + 15};                  // 50
  const ConvGeometry g = kernels::make_conv_geometry(1, 4, 4, 1, 3, 3, 1, 2, Padding::Same);
  ASSERT_EQ(g.out_h, 2);
  ASSERT_EQ(g.pad_top, 0);
  std::vector<float> y(4);
  k::depthwise_conv2d_forward(g, x.data(), ones.data(), y.data());
  EXPECT_EQ(y, expected);
  k::conv2d_forward(g, x.data(), ones.data(), y.data());
  EXPECT_EQ(y, expected);
}

}  // namespace
}  // namespace tailor
