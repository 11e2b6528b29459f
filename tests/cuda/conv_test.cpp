// Every CUDA convolution path, forward and both backward passes, against the CPU reference
// loops on random inputs, including odd sizes and channel counts that are not multiples of 4.
#include <gtest/gtest.h>

#include "tests/cuda/cuda_test_util.h"

#ifdef TAILOR_WITH_CUDA
#include "kernels/cpu/conv2d.h"
#include "kernels/cpu/depthwise_conv.h"
#include "kernels/cpu/sgemm.h"
#include "kernels/cuda/conv2d.h"
#include "kernels/cuda/depthwise_conv.h"
#include "kernels/cuda/sgemm.h"
#include "runtime/cuda/stream.h"

namespace tailor {
namespace {

using kernels::ConvGeometry;
using kernels::Padding;
using kernels::cuda::ConvImpl;
using testing::expect_close;
using testing::random_vector;
using testing::to_gpu;

struct ConvCase {
  int64_t n, h, w, c, k, out_c, stride;
  Padding pad;
};

std::string name(const ConvCase& s, ConvImpl impl) {
  return std::string(kernels::cuda::conv_impl_name(impl)) + " [" + std::to_string(s.n) + "," +
         std::to_string(s.h) + "," + std::to_string(s.w) + "," + std::to_string(s.c) + "] k" +
         std::to_string(s.k) + " s" + std::to_string(s.stride) + " -> " + std::to_string(s.out_c);
}

// Runs forward, backward-data and backward-filter on the GPU with `impl` and compares each with
// the CPU reference.
template <typename Gpu, typename Ref>
void check_conv(const ConvCase& s, ConvImpl impl, bool depthwise, Gpu gpu, Ref ref) {
  const ConvGeometry g =
      kernels::make_conv_geometry(s.n, s.h, s.w, s.c, s.k, s.k, s.out_c, s.stride, s.pad);
  const size_t wn = size_t(s.k * s.k * s.c * (depthwise ? 1 : s.out_c));
  const auto x = random_vector(g.input_numel(), 1), w = random_vector(wn, 2),
             dy = random_vector(g.output_numel(), 3);
  std::vector<float> y_ref(g.output_numel()), dx_ref(g.input_numel()), dw_ref(wn);
  ref.forward(g, x.data(), w.data(), y_ref.data());
  ref.backward_input(g, dy.data(), w.data(), dx_ref.data());
  ref.backward_filter(g, x.data(), dy.data(), dw_ref.data());

  Tensor xg = to_gpu(x), wg = to_gpu(w), dyg = to_gpu(dy);
  Tensor yg = testing::gpu_zeros(y_ref.size()), dxg = testing::gpu_zeros(dx_ref.size()),
         dwg = testing::gpu_zeros(wn);
  gpu.forward(g, xg.data<float>(), wg.data<float>(), yg.data<float>(), impl);
  gpu.backward_input(g, dyg.data<float>(), wg.data<float>(), dxg.data<float>(), impl);
  gpu.backward_filter(g, xg.data<float>(), dyg.data<float>(), dwg.data<float>(), impl);
  // Filter gradients sum over N*OH*OW products in a different order: looser tolerance.
  expect_close(yg.to_vector(), y_ref, 1e-4f, name(s, impl) + " forward");
  expect_close(dxg.to_vector(), dx_ref, 1e-4f, name(s, impl) + " backward-data");
  expect_close(dwg.to_vector(), dw_ref, 1e-3f, name(s, impl) + " backward-filter");
}

struct DepthwiseGpu {
  void forward(const ConvGeometry& g, const float* x, const float* w, float* y, ConvImpl i) const {
    kernels::cuda::depthwise_conv2d_forward(g, x, w, y, i);
  }
  void backward_input(const ConvGeometry& g, const float* dy, const float* w, float* dx,
                      ConvImpl i) const {
    kernels::cuda::depthwise_conv2d_backward_input(g, dy, w, dx, i);
  }
  void backward_filter(const ConvGeometry& g, const float* x, const float* dy, float* dw,
                       ConvImpl i) const {
    kernels::cuda::depthwise_conv2d_backward_filter(g, x, dy, dw, i);
  }
};
struct DepthwiseRef {
  void forward(const ConvGeometry& g, const float* x, const float* w, float* y) const {
    kernels::cpu::depthwise_conv2d_forward_ref(g, x, w, y);
  }
  void backward_input(const ConvGeometry& g, const float* dy, const float* w, float* dx) const {
    kernels::cpu::depthwise_conv2d_backward_input_ref(g, dy, w, dx);
  }
  void backward_filter(const ConvGeometry& g, const float* x, const float* dy, float* dw) const {
    kernels::cpu::depthwise_conv2d_backward_filter_ref(g, x, dy, dw);
  }
};
struct DenseGpu {
  bool pointwise = false;
  void forward(const ConvGeometry& g, const float* x, const float* w, float* y, ConvImpl i) const {
    if (pointwise)
      kernels::cuda::pointwise_conv2d_forward(g, x, w, y, i);
    else
      kernels::cuda::conv2d_forward(g, x, w, y, i);
  }
  void backward_input(const ConvGeometry& g, const float* dy, const float* w, float* dx,
                      ConvImpl i) const {
    if (pointwise)
      kernels::cuda::pointwise_conv2d_backward_input(g, dy, w, dx, i);
    else
      kernels::cuda::conv2d_backward_input(g, dy, w, dx, i);
  }
  void backward_filter(const ConvGeometry& g, const float* x, const float* dy, float* dw,
                       ConvImpl i) const {
    if (pointwise)
      kernels::cuda::pointwise_conv2d_backward_filter(g, x, dy, dw, i);
    else
      kernels::cuda::conv2d_backward_filter(g, x, dy, dw, i);
  }
};
struct DenseRef {
  void forward(const ConvGeometry& g, const float* x, const float* w, float* y) const {
    kernels::cpu::conv2d_forward_ref(g, x, w, y);
  }
  void backward_input(const ConvGeometry& g, const float* dy, const float* w, float* dx) const {
    kernels::cpu::conv2d_backward_input_ref(g, dy, w, dx);
  }
  void backward_filter(const ConvGeometry& g, const float* x, const float* dy, float* dw) const {
    kernels::cpu::conv2d_backward_filter_ref(g, x, dy, dw);
  }
};

class DepthwiseConv : public ::testing::TestWithParam<ConvImpl> {};

// Stride 1 and 2, SAME (asymmetric at the bottom for even sizes) and VALID, float4 and scalar
// channel paths, tiles that do not divide the image.
TEST_P(DepthwiseConv, MatchesCpuReference) {
  TAILOR_REQUIRE_GPU();
  const ConvCase cases[] = {
      {2, 19, 19, 32, 3, 32, 1, Padding::Same},  {2, 20, 20, 64, 3, 64, 2, Padding::Same},
      {3, 13, 9, 7, 3, 7, 1, Padding::Same},     {1, 11, 14, 5, 3, 5, 2, Padding::Same},
      {2, 10, 10, 36, 3, 36, 2, Padding::Valid}, {1, 1, 1, 4, 3, 4, 1, Padding::Same},
  };
  for (const auto& s : cases) check_conv(s, GetParam(), true, DepthwiseGpu{}, DepthwiseRef{});
}

INSTANTIATE_TEST_SUITE_P(Impl, DepthwiseConv,
                         ::testing::Values(ConvImpl::Handwritten, ConvImpl::Cudnn, ConvImpl::Auto),
                         [](const auto& info) {
                           return std::string(kernels::cuda::conv_impl_name(info.param));
                         });

class PointwiseConv : public ::testing::TestWithParam<ConvImpl> {};

TEST_P(PointwiseConv, MatchesCpuReference) {
  TAILOR_REQUIRE_GPU();
  const ConvCase cases[] = {
      {2, 19, 19, 32, 1, 64, 1, Padding::Same},
      {1, 7, 5, 13, 1, 3, 1, Padding::Same},       // odd everything: tile edges in M, N and K
      {4, 10, 10, 256, 1, 130, 1, Padding::Same},  // large K: split-K in the filter gradient
  };
  for (const auto& s : cases) check_conv(s, GetParam(), false, DenseGpu{true}, DenseRef{});
}

INSTANTIATE_TEST_SUITE_P(Impl, PointwiseConv,
                         ::testing::Values(ConvImpl::Handwritten, ConvImpl::Cublas, ConvImpl::Cudnn,
                                           ConvImpl::Auto),
                         [](const auto& info) {
                           return std::string(kernels::cuda::conv_impl_name(info.param));
                         });

class DenseConv : public ::testing::TestWithParam<ConvImpl> {};

// The first MobileNet layer and the SSD extra layers: 3x3 stride 2 dense convolutions.
TEST_P(DenseConv, MatchesCpuReference) {
  TAILOR_REQUIRE_GPU();
  const ConvCase cases[] = {
      {2, 30, 30, 3, 3, 32, 2, Padding::Same},
      {1, 9, 7, 12, 3, 10, 2, Padding::Same},
      {2, 6, 6, 8, 3, 16, 1, Padding::Valid},
  };
  for (const auto& s : cases) check_conv(s, GetParam(), false, DenseGpu{false}, DenseRef{});
}

INSTANTIATE_TEST_SUITE_P(Impl, DenseConv,
                         ::testing::Values(ConvImpl::Handwritten, ConvImpl::Cublas, ConvImpl::Cudnn,
                                           ConvImpl::Auto),
                         [](const auto& info) {
                           return std::string(kernels::cuda::conv_impl_name(info.param));
                         });

class Sgemm : public ::testing::TestWithParam<ConvImpl> {};

// All transpose variants, alpha/beta, odd sizes, and a long K that takes the split-K path.
TEST_P(Sgemm, MatchesCpuReference) {
  TAILOR_REQUIRE_GPU();
  struct Case {
    int64_t m, n, k;
  };
  const Case cases[] = {{1, 1, 1}, {37, 53, 29}, {130, 129, 17}, {64, 48, 5000}};
  for (const auto& c : cases)
    for (int ta = 0; ta < 2; ++ta)
      for (int tb = 0; tb < 2; ++tb)
        for (float beta : {0.f, 0.5f}) {
          const int64_t lda = ta ? c.m : c.k, ldb = tb ? c.k : c.n;
          const auto a = random_vector(c.m * c.k, 7), b = random_vector(c.k * c.n, 8);
          auto cref = random_vector(c.m * c.n, 9);
          Tensor ag = to_gpu(a), bg = to_gpu(b), cg = to_gpu(cref);
          kernels::cpu::sgemm_ref(ta, tb, c.m, c.n, c.k, 1.5f, a.data(), lda, b.data(), ldb, beta,
                                  cref.data(), c.n);
          kernels::cuda::sgemm(ta, tb, c.m, c.n, c.k, 1.5f, ag.data<float>(), lda, bg.data<float>(),
                               ldb, beta, cg.data<float>(), c.n, GetParam());
          expect_close(cg.to_vector(), cref, 1e-3f,
                       "sgemm " + std::to_string(c.m) + "x" + std::to_string(c.n) + "x" +
                           std::to_string(c.k) + (ta ? " A^T" : "") + (tb ? " B^T" : "") +
                           " beta " + std::to_string(beta));
        }
}

INSTANTIATE_TEST_SUITE_P(Impl, Sgemm,
                         ::testing::Values(ConvImpl::Handwritten, ConvImpl::Cublas, ConvImpl::Auto),
                         [](const auto& info) {
                           return std::string(kernels::cuda::conv_impl_name(info.param));
                         });

TEST(CudaConv, HandwrittenDepthwiseRejects5x5WithTheShape) {
  TAILOR_REQUIRE_GPU();
  const ConvGeometry g = kernels::make_conv_geometry(1, 8, 8, 4, 5, 5, 4, 1, Padding::Same);
  Tensor buf = testing::gpu_zeros(1024);
  try {
    kernels::cuda::depthwise_conv2d_forward(g, buf.data<float>(), buf.data<float>(),
                                            buf.data<float>(), ConvImpl::Handwritten);
    FAIL() << "expected ShapeError";
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("[1,8,8,4] k5"), std::string::npos) << e.what();
  }
}

TEST(CudaConv, CublasIsNotADepthwiseImplementation) {
  TAILOR_REQUIRE_GPU();
  const ConvGeometry g = kernels::make_conv_geometry(1, 8, 8, 4, 3, 3, 4, 1, Padding::Same);
  Tensor buf = testing::gpu_zeros(1024);
  EXPECT_THROW(kernels::cuda::depthwise_conv2d_forward(g, buf.data<float>(), buf.data<float>(),
                                                       buf.data<float>(), ConvImpl::Cublas),
               UsageError);
}

}  // namespace
}  // namespace tailor

#else

TEST(CudaConv, SkippedWithoutCuda) {
  GTEST_SKIP() << "no CUDA device: this binary was built without CUDA";
}

#endif
