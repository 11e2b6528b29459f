#include "models/truncated_normal.h"

#include <cmath>

#include "runtime/error.h"

namespace tailor::models {

double TruncatedNormal::uniform() {
  // 53 random bits, shifted off zero so log() is finite.
  return (double(engine_() >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

float TruncatedNormal::sample(float stddev) {
  for (;;) {
    const double z = std::sqrt(-2.0 * std::log(uniform())) * std::cos(2.0 * M_PI * uniform());
    if (std::fabs(z) <= 2.0) return static_cast<float>(z * stddev);
  }
}

void TruncatedNormal::fill(Tensor& t, float stddev) {
  TAILOR_CHECK(t.device().is_cpu() && t.is_contiguous(), UserError,
               "TruncatedNormal::fill needs a contiguous CPU tensor");
  float* p = t.data<float>();
  for (int64_t i = 0, n = t.numel(); i < n; ++i) p[i] = sample(stddev);
}

}  // namespace tailor::models
