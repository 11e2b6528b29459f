#include "engine/ops/conv_batch_norm.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "engine/autograd.h"
#include "engine/ops/batch_norm.h"
#include "engine/ops/conv.h"
#include "runtime/error.h"
#include "tests/support/grad_check.h"

namespace tailor {
namespace {

using testing::expect_all_close;
using testing::random_tensor;

struct Case {
  const char* name;
  bool depthwise;
  int64_t kernel, stride, in_c, out_c;
};

// Every path the op takes: dense (im2col + GEMM), 1x1 stride 1 (the pointwise GEMM), a 1x1
// stride-2 dense kernel, depthwise at both strides.
const Case kCases[] = {
    {"dense 3x3 s2", false, 3, 2, 5, 24},     {"dense 3x3 s1", false, 3, 1, 16, 19},
    {"pointwise", false, 1, 1, 24, 40},       {"dense 1x1 s2", false, 1, 2, 8, 16},
    {"depthwise 3x3 s1", true, 3, 1, 21, 21}, {"depthwise 3x3 s2", true, 3, 2, 32, 32},
};

struct Result {
  std::vector<float> y, dx, dw, dgamma, dbeta;
};

// Runs the fused op, or the convolution then batch_norm_infer with relu6, and backpropagates dy.
Result run(const Case& c, bool fused, bool with_gamma, bool weights_train) {
  std::mt19937 rng(7);
  const Shape w_shape = c.depthwise ? Shape{c.kernel, c.kernel, c.in_c, 1}
                                    : Shape{c.kernel, c.kernel, c.in_c, c.out_c};
  Tensor x = random_tensor({2, 11, 9, c.in_c}, rng).set_requires_grad();
  Tensor w = random_tensor(w_shape, rng, -0.6f, 0.6f).set_requires_grad(weights_train);
  const int64_t C = c.out_c;
  // Mean and scale wide enough that the clamp cuts on both sides.
  Tensor gamma = random_tensor({C}, rng, 0.5f, 3.f).set_requires_grad();
  Tensor beta = random_tensor({C}, rng, -2.f, 7.f).set_requires_grad();
  Tensor mean = random_tensor({C}, rng, -0.5f, 0.5f), var = random_tensor({C}, rng, 0.2f, 2.f);
  const Tensor g = with_gamma ? gamma : Tensor();
  Tensor y;
  if (fused) {
    y = ops::conv_batch_norm_relu6(x, w, c.depthwise, c.stride, ops::Padding::Same, g, beta, mean,
                                   var, 1e-3f);
  } else {
    Tensor conv = c.depthwise ? ops::depthwise_conv2d(x, w, c.stride, ops::Padding::Same)
                              : ops::conv2d(x, w, c.stride, ops::Padding::Same);
    y = ops::batch_norm_infer(conv, g, beta, mean, var, 1e-3f, true);
  }
  Tensor dy = random_tensor(y.shape(), rng);
  y.backward(dy);
  Result r{y.to_vector(), x.grad().to_vector(), {}, {}, beta.grad().to_vector()};
  if (weights_train) r.dw = w.grad().to_vector();
  if (with_gamma) r.dgamma = gamma.grad().to_vector();
  return r;
}

TEST(ConvBatchNormRelu6, MatchesTheConvolutionThenBatchNormOnEveryPath) {
  for (const Case& c : kCases) {
    for (bool with_gamma : {true, false}) {
      for (bool weights_train : {true, false}) {
        SCOPED_TRACE(std::string(c.name) + (with_gamma ? ", gamma" : ", no gamma") +
                     (weights_train ? ", weights train" : ", weights frozen"));
        const Result want = run(c, false, with_gamma, weights_train);
        const Result got = run(c, true, with_gamma, weights_train);
        expect_all_close(got.y, want.y, 1e-5, 1e-5, "y");
        expect_all_close(got.dx, want.dx, 1e-5, 1e-4, "dx");
        expect_all_close(got.dw, want.dw, 1e-4, 1e-4, "dw");
        expect_all_close(got.dgamma, want.dgamma, 1e-4, 1e-4, "dgamma");
        EXPECT_EQ(got.dbeta, want.dbeta) << "dbeta: the same masked sums in the same order";
        // The clamp cut at both ends, so the mask was exercised.
        EXPECT_GT(std::count(got.y.begin(), got.y.end(), 0.f), 10);
        EXPECT_GT(std::count(got.y.begin(), got.y.end(), 6.f), 10);
      }
    }
  }
}

TEST(ConvBatchNormRelu6, WithoutHistoryGivesTheSameValues) {
  const Case& c = kCases[2];
  const std::vector<float> with_history = run(c, true, true, true).y;
  std::mt19937 rng(7);
  Tensor x = random_tensor({2, 11, 9, c.in_c}, rng);
  Tensor w = random_tensor({1, 1, c.in_c, c.out_c}, rng, -0.6f, 0.6f);
  Tensor gamma = random_tensor({c.out_c}, rng, 0.5f, 3.f);
  Tensor beta = random_tensor({c.out_c}, rng, -2.f, 7.f);
  Tensor mean = random_tensor({c.out_c}, rng, -0.5f, 0.5f);
  Tensor var = random_tensor({c.out_c}, rng, 0.2f, 2.f);
  NoGradGuard no_grad;
  Tensor y =
      ops::conv_batch_norm_relu6(x, w, false, 1, ops::Padding::Same, gamma, beta, mean, var, 1e-3f);
  EXPECT_FALSE(y.requires_grad());
  EXPECT_EQ(y.to_vector(), with_history);
}

TEST(ConvBatchNormRelu6, BadStatisticsNameTheOpAndTheVector) {
  Tensor x = Tensor::zeros({1, 4, 4, 3}), w = Tensor::zeros({1, 1, 3, 8});
  Tensor ok = Tensor::ones({8}), bad = Tensor::ones({5});
  try {
    ops::conv_batch_norm_relu6(x, w, false, 1, ops::Padding::Same, ok, ok, bad, ok, 1e-3f);
    FAIL();
  } catch (const ShapeError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("conv_batch_norm_relu6"), std::string::npos) << what;
    EXPECT_NE(what.find("moving_mean"), std::string::npos) << what;
  }
  EXPECT_THROW(ops::conv_batch_norm_relu6(x, Tensor::zeros({1, 1, 4, 8}), false, 1,
                                          ops::Padding::Same, ok, ok, ok, ok, 1e-3f),
               ShapeError);
}

}  // namespace
}  // namespace tailor
