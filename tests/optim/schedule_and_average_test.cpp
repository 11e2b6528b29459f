#include <gtest/gtest.h>

#include <cmath>

#include "engine/optim/l2_regularizer.h"
#include "engine/optim/learning_rate.h"
#include "engine/optim/moving_average.h"
#include "runtime/error.h"

namespace tailor {
namespace {

TEST(ExponentialDecay, StaircaseAndContinuousKnownValues) {
  // The clothing config: 0.004, decay_steps 800, factor 0.95.
  optim::ExponentialDecay stair{0.004f, 800, 0.95f, true};
  optim::ExponentialDecay smooth{0.004f, 800, 0.95f, false};
  EXPECT_FLOAT_EQ(stair.at(0), 0.004f);
  EXPECT_FLOAT_EQ(stair.at(799), 0.004f);
  EXPECT_FLOAT_EQ(stair.at(800), 0.0038f);
  EXPECT_FLOAT_EQ(stair.at(1600), 0.00361f);
  EXPECT_FLOAT_EQ(stair.at(2399), 0.00361f);
  EXPECT_FLOAT_EQ(smooth.at(0), 0.004f);
  EXPECT_FLOAT_EQ(smooth.at(1), 0.00399974354f);
  EXPECT_FLOAT_EQ(smooth.at(799), 0.00380024366f);
  EXPECT_FLOAT_EQ(smooth.at(800), 0.0038f);
  EXPECT_FLOAT_EQ(smooth.at(2399), 0.0034297199f);
  EXPECT_THROW((optim::ExponentialDecay{0.1f, 0, 0.5f, true}.at(3)), UserError);
}

TEST(CosineDecay, WarmupHoldAndDecayKnownValues) {
  // TF's cosine_decay_with_warmup(0.004, total 1000, warmup 0.001 over 100, hold 100).
  optim::CosineDecay c{0.004f, 1000, 0.001f, 100, 100};
  EXPECT_FLOAT_EQ(c.at(0), 0.001f);
  EXPECT_FLOAT_EQ(c.at(50), 0.0025f);
  EXPECT_FLOAT_EQ(c.at(100), 0.004f);  // warm-up done
  EXPECT_FLOAT_EQ(c.at(200), 0.004f);  // held
  EXPECT_FLOAT_EQ(c.at(600), 0.002f);  // half way through the cosine
  EXPECT_NEAR(c.at(1000), 0.f, 1e-9);
  EXPECT_EQ(c.at(1001), 0.f);
  optim::CosineDecay plain{0.01f, 100};
  EXPECT_FLOAT_EQ(plain.at(0), 0.01f);
  EXPECT_NEAR(plain.at(25), 0.005f * (1 + std::cos(3.14159265358979 / 4)), 1e-8);
  EXPECT_THROW((optim::CosineDecay{0.01f, 10, 0.f, 10, 0}.at(0)), UserError);
}

TEST(ExponentialMovingAverage, KnownValuesAndNames) {
  ParameterSet params;
  Tensor w = params.add("scope/weights", Tensor::from_vector({1.f}, {1}), true, false);
  params.add("scope/moving_mean", Tensor::zeros({1}), false, false);
  optim::ExponentialMovingAverage ema(0.9f);
  ema.initialize(params);
  ASSERT_EQ(ema.slots().size(), 1u);  // trainable variables only
  EXPECT_EQ(ema.slots().all()[0].first, "scope/weights/ExponentialMovingAverage");
  w.fill_(2.f);
  ema.apply(params);
  EXPECT_EQ(ema.slots().find("scope/weights/ExponentialMovingAverage").item(), 1.10000002f);
  w.fill_(3.f);
  ema.apply(params);
  EXPECT_EQ(ema.slots().find("scope/weights/ExponentialMovingAverage").item(), 1.29000008f);
  ema.copy_to(params);
  EXPECT_EQ(w.item(), 1.29000008f);
}

TEST(ExponentialMovingAverage, NumUpdatesCapsTheDecay) {
  optim::ExponentialMovingAverage ema(0.9999f);
  EXPECT_EQ(ema.effective_decay(-1), 0.9999f);
  EXPECT_FLOAT_EQ(ema.effective_decay(0), 0.1f);
  EXPECT_FLOAT_EQ(ema.effective_decay(5), 0.4f);
  EXPECT_EQ(ema.effective_decay(10000000), 0.9999f);
}

TEST(L2Regularizer, ScaleTimesHalfSumOfSquaresOverRegularizedWeights) {
  ParameterSet params;
  Tensor a = params.add("a/weights", Tensor::from_vector({1, 2}, {2}), true, true);
  params.add("a/biases", Tensor::from_vector({5}, {1}), true, false);
  Tensor b = params.add("b/weights", Tensor::from_vector({3}, {1}), true, true);
  Tensor loss = optim::l2_regularization_loss(params, 0.004f);
  EXPECT_FLOAT_EQ(loss.item(), 0.004f * (5.f / 2 + 9.f / 2));
  loss.backward();
  EXPECT_FLOAT_EQ(a.grad().to_vector()[1], 0.004f * 2);
  EXPECT_FLOAT_EQ(b.grad().item(), 0.004f * 3);
  EXPECT_FALSE(params.at("a/biases").value.grad().defined());
  EXPECT_EQ(optim::l2_regularization_loss(ParameterSet(), 1.f).item(), 0.f);
}

}  // namespace
}  // namespace tailor
