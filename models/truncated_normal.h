#pragma once
// TF's truncated_normal_initializer: normal(mean, stddev) samples, re-drawn while more than two
// standard deviations from the mean. Seeded and platform-independent (own generator, not
// std::normal_distribution, whose output is implementation-defined).
#include <cstdint>
#include <random>

#include "engine/tensor.h"

namespace tailor::models {

class TruncatedNormal {
 public:
  explicit TruncatedNormal(uint64_t seed) : engine_(seed) {}
  float sample(float stddev);
  // Fills a CPU float32 tensor in place.
  void fill(Tensor& t, float stddev);

 private:
  double uniform();  // (0, 1)
  std::mt19937_64 engine_;
};

}  // namespace tailor::models
