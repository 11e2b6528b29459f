#include "engine/optim/learning_rate.h"

#include <cmath>

#include "runtime/error.h"

namespace tailor::optim {

float ExponentialDecay::at(int64_t step) const {
  TAILOR_CHECK(decay_steps > 0, UserError, "exponential_decay: decay_steps must be positive, got ",
               decay_steps);
  float p = static_cast<float>(step) / static_cast<float>(decay_steps);
  if (staircase) p = std::floor(p);
  return initial_learning_rate * std::pow(decay_factor, p);
}

float CosineDecay::at(int64_t step) const {
  TAILOR_CHECK(total_steps > warmup_steps + hold_base_rate_steps && warmup_steps >= 0 &&
                   hold_base_rate_steps >= 0,
               UserError, "cosine_decay: total_steps (", total_steps,
               ") must exceed warmup_steps + hold_base_rate_steps (", warmup_steps, " + ",
               hold_base_rate_steps, ")");
  if (step > total_steps) return 0.f;
  if (warmup_steps > 0 && step < warmup_steps) {
    const float slope = (learning_rate_base - warmup_learning_rate) / warmup_steps;
    return slope * static_cast<float>(step) + warmup_learning_rate;
  }
  if (hold_base_rate_steps > 0 && step <= warmup_steps + hold_base_rate_steps)
    return learning_rate_base;
  const double kPi = 3.14159265358979323846;
  const double t = static_cast<double>(step - warmup_steps - hold_base_rate_steps) /
                   static_cast<double>(total_steps - warmup_steps - hold_base_rate_steps);
  return static_cast<float>(0.5 * learning_rate_base * (1.0 + std::cos(kPi * t)));
}

}  // namespace tailor::optim
