#pragma once
// tf.train.exponential_decay, computed in float32 as TF does:
//   p = step / decay_steps (floor(p) when staircase); lr = initial * decay_factor ^ p
#include <cstdint>

namespace tailor::optim {

struct ExponentialDecay {
  float initial_learning_rate = 0.f;
  int64_t decay_steps = 1;
  float decay_factor = 1.f;
  bool staircase = false;

  // The learning rate used for the update at global step `step` (0 for the first update).
  float at(int64_t step) const;
};

}  // namespace tailor::optim
