#pragma once
// tf.train.RMSPropOptimizer (centered=False), exactly:
//   ms starts at 1.0 (TF's ones_initializer, not 0), mom at 0;
//   ms  += (g^2 - ms) * (1 - decay)
//   mom  = momentum * mom + lr * g / sqrt(ms + epsilon)      (epsilon inside the sqrt)
//   var -= mom
// Slots are named as TF names them, so checkpoints round-trip with TF's:
//   "<var>/RMSProp" (ms) and "<var>/RMSProp_1" (mom).
// The step counter plays TF's global_step: apply() increments it after updating.
#include <cstdint>
#include <string>

#include "engine/optim/slot_map.h"
#include "engine/parameter_set.h"

namespace tailor::optim {

struct RMSPropOptions {
  float decay = 0.9f;  // TF's `decay` (rho)
  float momentum = 0.f;
  float epsilon = 1e-10f;
};

class RMSProp {
 public:
  explicit RMSProp(const RMSPropOptions& options);

  // One update with learning rate `lr` for every trainable parameter that has a gradient
  // (TF drops variables whose gradient is None); creates their slots on first use. Then
  // increments step(). Runs without recording autograd history.
  void apply(const ParameterSet& params, float lr);

  int64_t step() const { return step_; }
  void set_step(int64_t step) { step_ = step; }  // restoring global_step from a checkpoint
  const RMSPropOptions& options() const { return options_; }

  // Every slot, in creation order; restore() them from a checkpoint before the next apply().
  SlotMap& slots() { return slots_; }
  const SlotMap& slots() const { return slots_; }

  static std::string ms_slot_name(const std::string& var) { return var + "/RMSProp"; }
  static std::string mom_slot_name(const std::string& var) { return var + "/RMSProp_1"; }

 private:
  RMSPropOptions options_;
  SlotMap slots_;
  int64_t step_ = 0;
};

}  // namespace tailor::optim
