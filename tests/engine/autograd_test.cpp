#include "engine/autograd.h"

#include <gtest/gtest.h>

#include "engine/ops/elementwise.h"

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

}  // namespace tailor
