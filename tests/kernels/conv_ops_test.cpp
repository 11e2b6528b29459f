// ops::conv2d / depthwise_conv2d / pointwise_conv2d: forward against the reference kernels,
// backward against central finite differences, and the shape errors.
#include <gtest/gtest.h>

#include <string>

#include "engine/ops/conv.h"
#include "kernels/cpu/conv2d.h"
#include "kernels/cpu/depthwise_conv.h"
#include "runtime/error.h"
#include "tests/support/grad_check.h"

namespace tailor {
namespace {

namespace k = kernels::cpu;
using ops::Padding;
using testing::expect_all_close;
using testing::expect_gradients_match;
using testing::GradCheckOptions;
using testing::random_tensor;

TEST(ConvOps, ForwardMatchesReferenceKernels) {
  std::mt19937 rng(31);
  Tensor x = random_tensor({2, 9, 8, 5}, rng), w = random_tensor({3, 3, 5, 7}, rng);
  Tensor y = ops::conv2d(x, w, 2, Padding::Same);
  ASSERT_EQ(y.shape(), (Shape{2, 5, 4, 7}));
  const auto g = kernels::make_conv_geometry(2, 9, 8, 5, 3, 3, 7, 2, Padding::Same);
  std::vector<float> ref(g.output_numel());
  k::conv2d_forward_ref(g, x.data<float>(), w.data<float>(), ref.data());
  expect_all_close(y.to_vector(), ref, 1e-5, 1e-5, "conv2d");

  Tensor wd = random_tensor({3, 3, 5, 1}, rng);
  Tensor yd = ops::depthwise_conv2d(x, wd, 1, Padding::Valid);
  ASSERT_EQ(yd.shape(), (Shape{2, 7, 6, 5}));
  const auto gd = kernels::make_conv_geometry(2, 9, 8, 5, 3, 3, 5, 1, Padding::Valid);
  std::vector<float> refd(gd.output_numel());
  k::depthwise_conv2d_forward_ref(gd, x.data<float>(), wd.data<float>(), refd.data());
  expect_all_close(yd.to_vector(), refd, 1e-5, 1e-5, "depthwise_conv2d");

  Tensor wp = random_tensor({1, 1, 5, 3}, rng);
  Tensor yp = ops::pointwise_conv2d(x, wp);
  expect_all_close(yp.to_vector(), ops::conv2d(x, wp, 1, Padding::Same).to_vector(), 0, 0,
                   "pointwise vs conv2d 1x1");
  const auto gp = kernels::make_conv_geometry(2, 9, 8, 5, 1, 1, 3, 1, Padding::Same);
  std::vector<float> refp(gp.output_numel());
  k::conv2d_forward_ref(gp, x.data<float>(), wp.data<float>(), refp.data());
  expect_all_close(yp.to_vector(), refp, 1e-5, 1e-5, "pointwise_conv2d");
}

// Finite differences in float need a generous eps; the checker accumulates the loss in double.
GradCheckOptions conv_grad_options() {
  GradCheckOptions o;
  o.eps = 1e-2f;
  o.atol = 3e-3;
  o.rtol = 1e-2;
  return o;
}

TEST(ConvOps, Conv2dGradientsMatchFiniteDifferences) {
  std::mt19937 rng(32);
  for (auto [stride, padding] :
       {std::pair{2, Padding::Same}, std::pair{1, Padding::Same}, std::pair{2, Padding::Valid}}) {
    expect_gradients_match(
        [=](const std::vector<Tensor>& in) { return ops::conv2d(in[0], in[1], stride, padding); },
        {random_tensor({2, 5, 6, 3}, rng), random_tensor({3, 3, 3, 4}, rng)}, conv_grad_options());
  }
  // 1x1 stride 2: a strided subsample, through the dense path.
  expect_gradients_match(
      [](const std::vector<Tensor>& in) { return ops::conv2d(in[0], in[1], 2, Padding::Same); },
      {random_tensor({1, 5, 5, 3}, rng), random_tensor({1, 1, 3, 2}, rng)}, conv_grad_options());
}

TEST(ConvOps, DepthwiseGradientsMatchFiniteDifferences) {
  std::mt19937 rng(33);
  for (auto [stride, padding] :
       {std::pair{1, Padding::Same}, std::pair{2, Padding::Same}, std::pair{2, Padding::Valid}}) {
    expect_gradients_match(
        [=](const std::vector<Tensor>& in) {
          return ops::depthwise_conv2d(in[0], in[1], stride, padding);
        },
        {random_tensor({2, 6, 5, 19}, rng), random_tensor({3, 3, 19, 1}, rng)},
        conv_grad_options());
  }
}

TEST(ConvOps, PointwiseGradientsMatchFiniteDifferences) {
  std::mt19937 rng(34);
  expect_gradients_match(
      [](const std::vector<Tensor>& in) { return ops::pointwise_conv2d(in[0], in[1]); },
      {random_tensor({3, 3, 4, 17}, rng), random_tensor({1, 1, 17, 5}, rng)}, conv_grad_options());
}

TEST(ConvOps, OnlyRequestedGradientsAreComputed) {
  std::mt19937 rng(35);
  Tensor x = random_tensor({1, 4, 4, 2}, rng), w = random_tensor({3, 3, 2, 1}, rng);
  w.set_requires_grad(true);
  ops::sum(ops::depthwise_conv2d(x, w, 1, Padding::Same)).backward();
  EXPECT_TRUE(w.grad().defined());
  EXPECT_FALSE(x.grad().defined());
}

// Runs f and returns the ShapeError message (empty if nothing was thrown).
template <typename F>
std::string shape_error(F f) {
  try {
    f();
  } catch (const ShapeError& e) {
    return e.what();
  }
  return "";
}

TEST(ConvOps, BadShapesThrowShapeErrorNamingOpAndShapes) {
  Tensor x = Tensor::zeros({1, 8, 8, 3});
  EXPECT_EQ(shape_error([&] {
              ops::conv2d(x, Tensor::zeros({3, 3, 4, 16}), 1, Padding::Same);
            }),
            "conv2d: input [1,8,8,3] and weights [3,3,4,16]: in-channels 3 != 4");
  const std::string stride = shape_error([&] {
    ops::conv2d(x, Tensor::zeros({3, 3, 3, 16}), 3, Padding::Same);
  });
  EXPECT_NE(stride.find("conv2d"), std::string::npos) << stride;
  EXPECT_NE(stride.find("stride 3"), std::string::npos) << stride;
  const std::string mult = shape_error([&] {
    ops::depthwise_conv2d(x, Tensor::zeros({3, 3, 3, 2}), 1, Padding::Same);
  });
  EXPECT_NE(mult.find("depthwise_conv2d: input [1,8,8,3] and weights [3,3,3,2]"), std::string::npos)
      << mult;
  EXPECT_NE(mult.find("multiplier 2"), std::string::npos) << mult;
  const std::string dw_c = shape_error([&] {
    ops::depthwise_conv2d(x, Tensor::zeros({3, 3, 5, 1}), 2, Padding::Same);
  });
  EXPECT_NE(dw_c.find("in-channels 3 != 5"), std::string::npos) << dw_c;
  const std::string pw = shape_error([&] {
    ops::pointwise_conv2d(x, Tensor::zeros({3, 3, 3, 4}));
  });
  EXPECT_NE(pw.find("pointwise_conv2d"), std::string::npos) << pw;
  const std::string rank = shape_error([&] {
    ops::conv2d(Tensor::zeros({8, 8, 3}), Tensor::zeros({3, 3, 3, 4}), 1, Padding::Same);
  });
  EXPECT_NE(rank.find("conv2d: input [8,8,3]"), std::string::npos) << rank;
  const std::string valid = shape_error([&] {
    ops::conv2d(Tensor::zeros({1, 2, 2, 3}), Tensor::zeros({3, 3, 3, 4}), 1, Padding::Valid);
  });
  EXPECT_NE(valid.find("VALID"), std::string::npos) << valid;
  EXPECT_THROW(ops::depthwise_conv2d(x, Tensor::zeros({3, 3, 3, 1}), 0, Padding::Same), ShapeError);
}

}  // namespace
}  // namespace tailor
