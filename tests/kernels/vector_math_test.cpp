// exp_nonpositive, log1p_unit and sigmoid_stable against double-precision libm: the loss and
// sigmoid kernels depend on them being within 3 ulp.
#include "kernels/cpu/vector_math.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace tailor {
namespace {

namespace k = kernels::cpu;

// |got - want| in units of the float spacing at want.
double ulps(float got, double want) {
  const float w = static_cast<float>(want);
  const double spacing =
      std::fabs(double(std::nextafter(w, std::numeric_limits<float>::infinity())) - double(w));
  return std::fabs(double(got) - want) / spacing;
}

TEST(VectorMath, ExpOfNonPositiveWithinThreeUlp) {
  double worst = 0;
  for (int i = 0; i <= 200000; ++i) {
    const float x = -87.f * float(i) / 200000.f;
    worst = std::max(worst, ulps(k::exp_nonpositive(x), std::exp(double(x))));
  }
  EXPECT_LE(worst, 3.0);
  EXPECT_EQ(k::exp_nonpositive(0.f), 1.f);
  EXPECT_EQ(k::exp_nonpositive(-0.f), 1.f);
  // Past the normal floats it flushes to 0 (TF's loss would add a denormal there).
  EXPECT_EQ(k::exp_nonpositive(-88.f), 0.f);
  EXPECT_EQ(k::exp_nonpositive(-1e30f), 0.f);
  EXPECT_EQ(k::exp_nonpositive(-std::numeric_limits<float>::infinity()), 0.f);
}

TEST(VectorMath, Log1pOfUnitIntervalWithinThreeUlp) {
  double worst = 0;
  for (int i = 0; i <= 200000; ++i) {
    const float t = float(i) / 200000.f;
    worst = std::max(worst, ulps(k::log1p_unit(t), std::log1p(double(t))));
  }
  // Tiny arguments, where 1 + t rounds to 1 and log1p(t) is t.
  for (int e = 1; e <= 140; ++e) {
    const float t = std::ldexp(1.3f, -e);
    worst = std::max(worst, ulps(k::log1p_unit(t), std::log1p(double(t))));
  }
  EXPECT_LE(worst, 3.0);
  EXPECT_EQ(k::log1p_unit(0.f), 0.f);
}

TEST(VectorMath, SigmoidWithinThreeUlpForEitherSign) {
  double worst = 0;
  for (int i = -200000; i <= 200000; ++i) {
    const float x = 80.f * float(i) / 200000.f;
    worst = std::max(worst, ulps(k::sigmoid_stable(x), 1.0 / (1.0 + std::exp(-double(x)))));
  }
  EXPECT_LE(worst, 3.0);
  EXPECT_EQ(k::sigmoid_stable(0.f), 0.5f);
  EXPECT_EQ(k::sigmoid_stable(1000.f), 1.f);
  EXPECT_EQ(k::sigmoid_stable(-1000.f), 0.f);
}

}  // namespace
}  // namespace tailor
