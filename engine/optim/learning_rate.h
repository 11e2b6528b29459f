#pragma once
// Learning-rate schedules of the TF Object Detection API (utils/learning_schedules.py).
//   ExponentialDecay: tf.train.exponential_decay, computed in float32 as TF does:
//     p = step / decay_steps (floor(p) when staircase); lr = initial * decay_factor ^ p
//   CosineDecay: cosine_decay_with_warmup: a linear warm-up from warmup_learning_rate to
//     learning_rate_base over warmup_steps, the base held for hold_base_rate_steps, then
//     0.5 * base * (1 + cos(pi * (step - warmup - hold) / (total - warmup - hold))), and 0
//     past total_steps.
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

struct CosineDecay {
  float learning_rate_base = 0.f;
  int64_t total_steps = 1;
  float warmup_learning_rate = 0.f;
  int64_t warmup_steps = 0;
  int64_t hold_base_rate_steps = 0;

  float at(int64_t step) const;
};

}  // namespace tailor::optim
