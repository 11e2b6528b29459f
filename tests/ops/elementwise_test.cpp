#include "engine/ops/elementwise.h"

#include <gtest/gtest.h>

#include "kernels/cpu/elementwise.h"
#include "runtime/error.h"
#include "tests/support/grad_check.h"

namespace tailor {
namespace {

namespace k = kernels::cpu;
using testing::expect_gradients_match;
using testing::random_tensor;

// Odd sizes and one large enough to take the threaded path.
const std::vector<Shape> kShapes = {{1}, {7}, {3, 5, 7}, {2, 3, 5, 9}, {70001}};

template <typename RefFn>
std::vector<float> ref_unary(const Tensor& x, RefFn ref) {
  std::vector<float> out(x.numel());
  ref(x.numel(), x.data<float>(), out.data());
  return out;
}
template <typename RefFn>
std::vector<float> ref_binary(const Tensor& a, const Tensor& b, RefFn ref) {
  std::vector<float> out(a.numel());
  ref(a.numel(), a.data<float>(), b.data<float>(), out.data());
  return out;
}

TEST(Elementwise, BinaryOpsMatchReferenceLoopsExactly) {
  std::mt19937 rng(1);
  for (const Shape& s : kShapes) {
    Tensor a = random_tensor(s, rng, -3, 3), b = random_tensor(s, rng, -3, 3);
    EXPECT_EQ(ops::add(a, b).to_vector(), ref_binary(a, b, k::add_ref)) << shape_str(s);
    EXPECT_EQ(ops::sub(a, b).to_vector(), ref_binary(a, b, k::sub_ref)) << shape_str(s);
    EXPECT_EQ(ops::mul(a, b).to_vector(), ref_binary(a, b, k::mul_ref)) << shape_str(s);
    EXPECT_EQ(ops::add(a, b).shape(), s);
  }
}

TEST(Elementwise, UnaryOpsMatchReferenceLoopsExactly) {
  std::mt19937 rng(2);
  for (const Shape& s : kShapes) {
    Tensor x = random_tensor(s, rng, -9, 9);
    EXPECT_EQ(ops::square(x).to_vector(), ref_unary(x, k::square_ref)) << shape_str(s);
    EXPECT_EQ(ops::relu6(x).to_vector(), ref_unary(x, k::relu6_ref)) << shape_str(s);
    EXPECT_EQ(ops::sigmoid(x).to_vector(), ref_unary(x, k::sigmoid_ref)) << shape_str(s);
    std::vector<float> scaled(x.numel()), shifted(x.numel());
    k::scale_ref(x.numel(), x.data<float>(), -0.37f, scaled.data());
    k::add_scalar_ref(x.numel(), x.data<float>(), 2.5f, shifted.data());
    EXPECT_EQ(ops::scale(x, -0.37f).to_vector(), scaled);
    EXPECT_EQ(ops::add_scalar(x, 2.5f).to_vector(), shifted);
  }
}

TEST(Elementwise, KnownValues) {
  Tensor x = Tensor::from_vector({-2, 0, 3, 6, 7.5f}, {5});
  EXPECT_EQ(ops::relu6(x).to_vector(), (std::vector<float>{0, 0, 3, 6, 6}));
  std::vector<float> s = ops::sigmoid(Tensor::from_vector({0, 100, -100, 2}, {4})).to_vector();
  EXPECT_FLOAT_EQ(s[0], 0.5f);
  EXPECT_FLOAT_EQ(s[1], 1.f);
  EXPECT_GE(s[2], 0.f);
  EXPECT_LT(s[2], 1e-40f);
  EXPECT_FLOAT_EQ(s[3], 0.880797077977882f);
  EXPECT_EQ(ops::bias_add(Tensor::from_vector({1, 2, 3, 4, 5, 6}, {2, 3}),
                          Tensor::from_vector({10, 20, 30}, {3}))
                .to_vector(),
            (std::vector<float>{11, 22, 33, 14, 25, 36}));
}

TEST(Elementwise, BiasAddMatchesReferenceOnNhwc) {
  std::mt19937 rng(3);
  for (const Shape& s : std::vector<Shape>{{2, 5, 3, 7}, {1, 19, 19, 513}, {3}}) {
    Tensor x = random_tensor(s, rng), b = random_tensor({s.back()}, rng);
    std::vector<float> ref(x.numel());
    k::bias_add_ref(x.numel() / s.back(), s.back(), x.data<float>(), b.data<float>(), ref.data());
    EXPECT_EQ(ops::bias_add(x, b).to_vector(), ref) << shape_str(s);
  }
}

TEST(Elementwise, Relu6GradientPassesOnlyStrictlyInside) {
  // TF's Relu6Grad: gradient where 0 < x < 6, so exactly 0 and exactly 6 get none.
  Tensor x = Tensor::from_vector({-1, 0, 0.5f, 6, 7}, {5}).set_requires_grad();
  ops::relu6(x).backward(Tensor::from_vector({1, 1, 1, 1, 1}, {5}));
  EXPECT_EQ(x.grad().to_vector(), (std::vector<float>{0, 0, 1, 0, 0}));
}

TEST(Elementwise, GradientsMatchFiniteDifferences) {
  std::mt19937 rng(4);
  for (const Shape& s : std::vector<Shape>{{5}, {2, 3, 3}}) {
    Tensor a = random_tensor(s, rng), b = random_tensor(s, rng);
    expect_gradients_match([](const std::vector<Tensor>& t) { return ops::add(t[0], t[1]); },
                           {a, b});
    expect_gradients_match([](const std::vector<Tensor>& t) { return ops::sub(t[0], t[1]); },
                           {a, b});
    expect_gradients_match([](const std::vector<Tensor>& t) { return ops::mul(t[0], t[1]); },
                           {a, b});
    expect_gradients_match([](const std::vector<Tensor>& t) { return ops::scale(t[0], -1.7f); },
                           {a});
    expect_gradients_match([](const std::vector<Tensor>& t) { return ops::add_scalar(t[0], 3.f); },
                           {a});
    expect_gradients_match([](const std::vector<Tensor>& t) { return ops::square(t[0]); }, {a});
    expect_gradients_match([](const std::vector<Tensor>& t) { return ops::sigmoid(t[0]); },
                           {random_tensor(s, rng, -4, 4)});
  }
  // relu6 away from its kinks: values in (-2,-0.1), (0.1,5.9) and (6.1,8).
  Tensor r = Tensor::from_vector({-1.5f, -0.2f, 0.3f, 2.f, 5.7f, 6.4f, 7.9f}, {7});
  expect_gradients_match([](const std::vector<Tensor>& t) { return ops::relu6(t[0]); }, {r});
  Tensor x = random_tensor({2, 3, 4}, rng), bias = random_tensor({4}, rng);
  expect_gradients_match([](const std::vector<Tensor>& t) { return ops::bias_add(t[0], t[1]); },
                         {x, bias});
}

TEST(Elementwise, ShapeMismatchNamesOpAndShapes) {
  Tensor a = Tensor::zeros({2, 3}), b = Tensor::zeros({3, 2});
  try {
    ops::mul(a, b);
    FAIL() << "expected ShapeError";
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("mul"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("[2,3]"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("[3,2]"), std::string::npos);
  }
  EXPECT_THROW(ops::bias_add(a, Tensor::zeros({2})), ShapeError);
  EXPECT_THROW(ops::add(a, Tensor::zeros({2, 3}, DType::Int32)), ShapeError);
}

}  // namespace
}  // namespace tailor
