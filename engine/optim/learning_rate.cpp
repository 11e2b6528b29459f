#include "engine/optim/learning_rate.h"

#include <cmath>

#include "engine/error.h"

namespace tailor::optim {

float ExponentialDecay::at(int64_t step) const {
  TAILOR_CHECK(decay_steps > 0, UserError, "exponential_decay: decay_steps must be positive, got ",
               decay_steps);
  float p = static_cast<float>(step) / static_cast<float>(decay_steps);
  if (staircase) p = std::floor(p);
  return initial_learning_rate * std::pow(decay_factor, p);
}

}  // namespace tailor::optim
