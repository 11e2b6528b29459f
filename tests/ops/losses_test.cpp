#include "engine/ops/losses.h"

#include <gtest/gtest.h>

#include <cmath>

#include "kernels/cpu/losses.h"
#include "runtime/error.h"
#include "tests/support/grad_check.h"

namespace tailor {
namespace {

namespace k = kernels::cpu;
using testing::expect_gradients_match;
using testing::random_tensor;

TEST(Losses, SigmoidCrossEntropyKnownValues) {
  Tensor logits = Tensor::from_vector({0, 0, 100, -100, 2, -3}, {6});
  Tensor labels = Tensor::from_vector({0, 1, 1, 0, 1, 0.25f}, {6});
  std::vector<float> l = ops::sigmoid_cross_entropy_with_logits(logits, labels).to_vector();
  EXPECT_FLOAT_EQ(l[0], std::log(2.f));
  EXPECT_FLOAT_EQ(l[1], std::log(2.f));
  EXPECT_NEAR(l[2], 0.f, 1e-30);  // stable: no overflow for large |x|
  EXPECT_NEAR(l[3], 0.f, 1e-30);
  EXPECT_FLOAT_EQ(l[4], std::log1p(std::exp(-2.f)));
  // -z log(s) - (1-z) log(1-s) with s = sigmoid(-3).
  const double s = 1 / (1 + std::exp(3.0));
  EXPECT_NEAR(l[5], -0.25 * std::log(s) - 0.75 * std::log(1 - s), 1e-6);
}

TEST(Losses, SmoothL1KnownValues) {
  Tensor p = Tensor::from_vector({0.5f, -0.25f, 3, -2, 1}, {5});
  Tensor t = Tensor::zeros({5});
  EXPECT_EQ(ops::smooth_l1(p, t).to_vector(),
            (std::vector<float>{0.125f, 0.03125f, 2.5f, 1.5f, 0.5f}));
  Tensor pg = p.clone().set_requires_grad();
  ops::smooth_l1(pg, t).backward(Tensor::ones({5}));
  EXPECT_EQ(pg.grad().to_vector(), (std::vector<float>{0.5f, -0.25f, 1, -1, 1}));
}

TEST(Losses, L2LossIsHalfSumOfSquares) {
  EXPECT_FLOAT_EQ(ops::l2_loss(Tensor::from_vector({1, -2, 3}, {3})).item(), 7.f);
}

TEST(Losses, FastKernelsMatchReference) {
  std::mt19937 rng(31);
  for (int64_t n : {1, 13, 100001}) {
    Tensor x = random_tensor({n}, rng, -20, 20), z = random_tensor({n}, rng, 0, 1);
    Tensor g = random_tensor({n}, rng);
    std::vector<float> a(n), b(n);
    k::sigmoid_cross_entropy(n, x.data<float>(), z.data<float>(), a.data());
    k::sigmoid_cross_entropy_ref(n, x.data<float>(), z.data<float>(), b.data());
    EXPECT_EQ(a, b);
    k::sigmoid_cross_entropy_backward(n, x.data<float>(), z.data<float>(), g.data<float>(),
                                      a.data());
    k::sigmoid_cross_entropy_backward_ref(n, x.data<float>(), z.data<float>(), g.data<float>(),
                                          b.data());
    EXPECT_EQ(a, b);
    k::smooth_l1(n, x.data<float>(), z.data<float>(), a.data());
    k::smooth_l1_ref(n, x.data<float>(), z.data<float>(), b.data());
    EXPECT_EQ(a, b);
    k::smooth_l1_backward(n, x.data<float>(), z.data<float>(), g.data<float>(), a.data());
    k::smooth_l1_backward_ref(n, x.data<float>(), z.data<float>(), g.data<float>(), b.data());
    EXPECT_EQ(a, b);
  }
  // Against the naive (unstable, double) formula where it is accurate.
  Tensor x = random_tensor({50}, rng, -5, 5), z = random_tensor({50}, rng, 0, 1);
  std::vector<float> l = ops::sigmoid_cross_entropy_with_logits(x, z).to_vector();
  for (int i = 0; i < 50; ++i) {
    const double xi = x.to_vector()[i], zi = z.to_vector()[i], s = 1 / (1 + std::exp(-xi));
    EXPECT_NEAR(l[i], -zi * std::log(s) - (1 - zi) * std::log(1 - s), 1e-5);
  }
}

TEST(Losses, GradientsMatchFiniteDifferences) {
  std::mt19937 rng(32);
  Tensor x = random_tensor({3, 4}, rng, -4, 4), z = random_tensor({3, 4}, rng, 0, 1);
  testing::GradCheckOptions logits_only;
  logits_only.wrt = {0};
  expect_gradients_match(
      [](const std::vector<Tensor>& t) {
        return ops::sigmoid_cross_entropy_with_logits(t[0], t[1]);
      },
      {x, z}, logits_only);
  // Differences inside (-1,1) and outside, away from |d| = 1.
  Tensor p = Tensor::from_vector({0.3f, -0.6f, 1.7f, -2.5f, 0.f, 0.9f}, {2, 3});
  Tensor t = Tensor::from_vector({0.f, 0.f, 0.f, 0.f, 0.4f, -0.5f}, {2, 3});
  expect_gradients_match([](const std::vector<Tensor>& v) { return ops::smooth_l1(v[0], v[1]); },
                         {p, t}, logits_only);
  expect_gradients_match([](const std::vector<Tensor>& v) { return ops::l2_loss(v[0]); }, {x});
}

TEST(Losses, ShapeMismatchThrows) {
  EXPECT_THROW(ops::sigmoid_cross_entropy_with_logits(Tensor::zeros({2, 3}), Tensor::zeros({3, 2})),
               ShapeError);
  EXPECT_THROW(ops::smooth_l1(Tensor::zeros({4}), Tensor::zeros({5})), ShapeError);
}

}  // namespace
}  // namespace tailor
