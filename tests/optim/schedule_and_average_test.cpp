#include <gtest/gtest.h>

#include "engine/error.h"
#include "engine/optim/l2_regularizer.h"
#include "engine/optim/learning_rate.h"
#include "engine/optim/moving_average.h"

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
