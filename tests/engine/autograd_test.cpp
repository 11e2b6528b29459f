#include "engine/autograd.h"

#include <gtest/gtest.h>

#include "engine/ops/elementwise.h"
#include "engine/ops/losses.h"
#include "engine/ops/reduce.h"
#include "engine/ops/shape_ops.h"
#include "tests/support/grad_check.h"

namespace tailor {

TEST(Autograd, TensorUsedTwiceAccumulatesBothGradients) {
  Tensor x = Tensor::from_vector({1, 2, 3}, {3}).set_requires_grad();
  Tensor y = ops::add(x, x);
  y.backward(Tensor::from_vector({1, 10, 100}, {3}));
  EXPECT_EQ(x.grad().to_vector(), (std::vector<float>{2, 20, 200}));
}

TEST(Autograd, NoGradScopeRecordsNothing) {
  Tensor x = Tensor::from_vector({1}, {1}).set_requires_grad();
  NoGradGuard guard;
  Tensor y = ops::add(x, x);
  EXPECT_FALSE(y.requires_grad());
  EXPECT_EQ(y.grad_fn(), nullptr);
}

// A test op that, like most real ops, saves its input for backward: y = 2x, saving x.
static Tensor saving_double(const Tensor& x) {
  Tensor out = ops::add(x.detach(), x.detach());
  Tensor saved = x;
  return record_op(out, "saving_double", {x}, [saved](const Tensor& g, const std::vector<bool>&) {
    return std::vector<Tensor>{ops::add(g, g)};
  });
}

TEST(Autograd, IntermediatesAreFreedDuringBackward) {
  Tensor x = Tensor::from_vector({1, 2}, {2}).set_requires_grad();
  std::weak_ptr<TensorImpl> hidden;
  Tensor z;
  {
    Tensor h = saving_double(x);
    hidden = h.impl_ptr();
    z = saving_double(h);
  }
  EXPECT_FALSE(hidden.expired());  // z's node saved h for its backward
  z.backward(Tensor::from_vector({1, 1}, {2}));
  EXPECT_TRUE(hidden.expired());  // released as soon as z's node ran, while z is still alive
  EXPECT_EQ(x.grad().to_vector(), (std::vector<float>{4, 4}));
}

TEST(Autograd, BranchingGraphAccumulatesThroughDifferentOps) {
  // y = sum(x * x + 3x): dy/dx = 2x + 3, with x reaching the sum along three paths.
  Tensor x = Tensor::from_vector({1, -2}, {2}).set_requires_grad();
  ops::sum(ops::add(ops::mul(x, x), ops::scale(x, 3.f))).backward();
  EXPECT_EQ(x.grad().to_vector(), (std::vector<float>{5, -1}));
}

// Each node's backward is timed under its op and gradient shape, once per call; nothing is
// recorded once the profile is gone, and the gradients are the unprofiled ones.
TEST(Autograd, BackwardProfileTimesEachOpByGradientShape) {
  Tensor x = Tensor::from_vector({1, -2, 3, 4}, {2, 2}).set_requires_grad();
  std::vector<BackwardProfile::OpTime> ops;
  {
    BackwardProfile profile;
    ops::sum(saving_double(saving_double(ops::mul(x, x)))).backward();
    ops = profile.ops();
  }
  ASSERT_EQ(ops.size(), 3u);
  EXPECT_EQ(ops[0].op, "sum");
  EXPECT_EQ(ops[0].grad_shape, Shape{});
  EXPECT_EQ(ops[1].op, "saving_double");  // two calls with one gradient shape: one entry
  EXPECT_EQ(ops[1].calls, 2);
  EXPECT_EQ(ops[1].grad_shape, (Shape{2, 2}));
  EXPECT_EQ(ops[2].op, "mul");
  for (const auto& o : ops) EXPECT_GE(o.ms, 0.0) << o.op;
  EXPECT_EQ(x.grad().to_vector(), (std::vector<float>{8, -16, 24, 32}));  // d(4x^2) = 8x
  x.set_grad(Tensor());
  ops::sum(saving_double(x)).backward();  // no profile alive: nothing to add to
  EXPECT_EQ(x.grad().to_vector(), (std::vector<float>{2, 2, 2, 2}));
}

TEST(Autograd, NoGradScopeEndsWithItsGuard) {
  Tensor x = Tensor::from_vector({1}, {1}).set_requires_grad();
  {
    NoGradGuard guard;
    EXPECT_FALSE(grad_mode_enabled());
    EXPECT_FALSE(ops::relu6(x).requires_grad());
  }
  EXPECT_TRUE(grad_mode_enabled());
  EXPECT_TRUE(ops::relu6(x).requires_grad());
}

TEST(Autograd, SmallMlpGradientsMatchFiniteDifferences) {
  // Two "layers" over a batch of 3 with 4 features: bias, relu6, gathers, concat, reshape,
  // a sigmoid CE head and a smooth-L1 head, reduced to one loss.
  std::mt19937 rng(7);
  Tensor x = testing::random_tensor({3, 4}, rng, 0.5f, 2.f);
  Tensor w = testing::random_tensor({3, 4}, rng, 0.5f, 1.5f);
  Tensor b = testing::random_tensor({4}, rng, 0.2f, 0.8f);
  Tensor labels = Tensor::from_vector({1, 0, 0, 1, 0, 1, 1, 0, 0, 0, 1, 1}, {3, 4});
  Tensor index = Tensor::from_vector_i32({2, 0}, {2});
  testing::expect_gradients_match(
      [&](const std::vector<Tensor>& t) {
        Tensor h = ops::relu6(ops::bias_add(ops::mul(t[0], t[1]), t[2]));
        Tensor cls = ops::sigmoid_cross_entropy_with_logits(ops::add_scalar(h, -2.f), labels);
        Tensor picked = ops::gather_rows(h, index);
        Tensor both = ops::concat({ops::reshape(cls, {12}), ops::reshape(picked, {8})}, 0);
        Tensor reg = ops::smooth_l1(ops::scale(picked, 0.3f), Tensor::zeros({2, 4}));
        return ops::add(ops::sum(both), ops::mean(reg));
      },
      {x, w, b});
}

}  // namespace tailor
