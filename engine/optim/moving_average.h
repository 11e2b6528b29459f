#pragma once
// tf.train.ExponentialMovingAverage of the trainable weights, as the TF OD API's
// use_moving_average (tf.contrib.opt.MovingAverageOptimizer) keeps it:
//   shadow -= (shadow - var) * (1 - d)       (assign_moving_average, no zero-debias)
// with d = decay, or, when a num_updates count is given, d = min(decay, (1+n)/(10+n)).
// A shadow starts as a copy of its variable's value at initialize(). Shadows are named
// "<var>/ExponentialMovingAverage" like TF's, so checkpoints map one to one.
#include <cstdint>
#include <string>

#include "engine/optim/slot_map.h"
#include "engine/parameter_set.h"

namespace tailor::optim {

class ExponentialMovingAverage {
 public:
  explicit ExponentialMovingAverage(float decay);

  // The decay used for an update; num_updates < 0 means "not given" (plain decay).
  float effective_decay(int64_t num_updates) const;
  // Creates the missing shadows as copies of the current values. Call it before the first
  // optimizer step (TF creates them with the variables), then apply() after every step.
  void initialize(const ParameterSet& params);
  // Updates the shadow of every trainable parameter (after the optimizer step, as TF's
  // sequential_update does). A parameter without a shadow gets one equal to its value.
  void apply(const ParameterSet& params, int64_t num_updates = -1);
  // Copies the averages into the parameters (for evaluation or export with averaged weights,
  // like MovingAverageOptimizer's swapping saver). Parameters without a shadow are left as is.
  void copy_to(ParameterSet& params) const;

  SlotMap& slots() { return slots_; }
  const SlotMap& slots() const { return slots_; }
  static std::string slot_name(const std::string& var) { return var + "/ExponentialMovingAverage"; }

 private:
  float decay_;
  SlotMap slots_;
};

}  // namespace tailor::optim
