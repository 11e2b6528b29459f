#include "engine/optim/rmsprop.h"

#include <gtest/gtest.h>

#include "kernels/cpu/rmsprop.h"
#include "runtime/error.h"
#include "tests/support/grad_check.h"

namespace tailor {
namespace {

using optim::RMSProp;

TEST(RMSProp, KnownValuesWithMeanSquareStartingAtOne) {
  // Hand-computed in float32 with TF's operation order: ms starts at 1.0, epsilon inside the
  // sqrt (the clothing config's momentum 0.9, decay 0.9, epsilon 1.0), lr 0.1.
  ParameterSet params;
  Tensor w = params.add("w", Tensor::from_vector({1.f}, {1}), true, false);
  RMSProp opt({/*decay=*/0.9f, /*momentum=*/0.9f, /*epsilon=*/1.f});
  const float grads[3] = {0.5f, -2.f, 0.25f};
  const float ms[3] = {0.924999952f, 1.23250008f, 1.11550009f};
  const float mom[3] = {0.0360375009f, -0.101421148f, -0.0740907043f};
  const float var[3] = {0.963962495f, 1.06538367f, 1.13947439f};
  for (int s = 0; s < 3; ++s) {
    w.set_grad(Tensor::from_vector({grads[s]}, {1}));
    opt.apply(params, 0.1f);
    EXPECT_EQ(opt.slots().find("w/RMSProp").item(), ms[s]) << "step " << s;
    EXPECT_EQ(opt.slots().find("w/RMSProp_1").item(), mom[s]) << "step " << s;
    EXPECT_EQ(w.item(), var[s]) << "step " << s;
  }
  EXPECT_EQ(opt.step(), 3);
}

TEST(RMSProp, SlotsAreNamedLikeTfAndSkipParametersWithoutGradients) {
  ParameterSet params;
  Tensor a = params.add("layer/weights", Tensor::ones({2, 3}), true, true);
  params.add("layer/moving_mean", Tensor::zeros({3}), false, false);
  params.add("unused/biases", Tensor::zeros({3}), true, false);
  a.set_grad(Tensor::full({2, 3}, 0.1f));
  RMSProp opt({0.9f, 0.f, 1e-10f});
  opt.apply(params, 0.01f);
  ASSERT_EQ(opt.slots().size(), 2u);
  EXPECT_EQ(opt.slots().all()[0].first, "layer/weights/RMSProp");
  EXPECT_EQ(opt.slots().all()[1].first, "layer/weights/RMSProp_1");
  EXPECT_EQ(opt.slots().all()[0].second.name(), "layer/weights/RMSProp");
  EXPECT_EQ(params.at("unused/biases").value.to_vector(), std::vector<float>(3, 0.f));
}

TEST(RMSProp, RestoredSlotsContinueExactly) {
  auto make = [](ParameterSet& p) {
    return p.add("v", Tensor::from_vector({0.5f, -1.f, 2.f}, {3}), true, false);
  };
  ParameterSet p1, p2;
  Tensor v1 = make(p1), v2 = make(p2);
  RMSProp o1({0.9f, 0.9f, 1.f}), o2({0.9f, 0.9f, 1.f});
  Tensor g = Tensor::from_vector({0.3f, -0.7f, 1.1f}, {3});
  v1.set_grad(g);
  o1.apply(p1, 0.004f);
  // Copy state to a fresh optimizer as a checkpoint would, then take one more step with both.
  v2.copy_from(v1);
  for (const auto& [name, t] : o1.slots().all()) o2.slots().restore(name, t);
  o2.set_step(o1.step());
  v1.set_grad(g);
  v2.set_grad(g);
  o1.apply(p1, 0.004f);
  o2.apply(p2, 0.004f);
  EXPECT_EQ(v1.to_vector(), v2.to_vector());
  EXPECT_EQ(o2.step(), 2);
  ParameterSet p3;
  p3.add("v", Tensor::zeros({4}), true, false).set_grad(Tensor::zeros({4}));
  EXPECT_THROW(o2.apply(p3, 0.1f), ShapeError);  // restored slot shape does not fit
}

TEST(RMSProp, FastKernelMatchesReference) {
  std::mt19937 rng(41);
  const int64_t n = 100003;
  auto r = [&](float lo, float hi) { return testing::random_tensor({n}, rng, lo, hi).to_vector(); };
  std::vector<float> var = r(-1, 1), ms = r(0, 2), mom = r(-0.1f, 0.1f), g = r(-1, 1);
  std::vector<float> var2 = var, ms2 = ms, mom2 = mom;
  kernels::cpu::rmsprop_update(n, var.data(), ms.data(), mom.data(), g.data(), 0.004f, 0.9f, 0.9f,
                               1.f);
  kernels::cpu::rmsprop_update_ref(n, var2.data(), ms2.data(), mom2.data(), g.data(), 0.004f, 0.9f,
                                   0.9f, 1.f);
  EXPECT_EQ(var, var2);
  EXPECT_EQ(ms, ms2);
  EXPECT_EQ(mom, mom2);
}

}  // namespace
}  // namespace tailor
