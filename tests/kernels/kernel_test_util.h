#pragma once
// Shared by the kernel tests: random buffers and the SIMD levels this machine can run, so each
// fast path is checked at every ISA level (AVX-512, AVX2, scalar) against its reference.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "kernels/cpu/simd_dispatch.h"
#include "runtime/cpu_features.h"

namespace tailor::testing {

inline std::vector<float> random_floats(size_t n, std::mt19937& rng, float lo = -1.f,
                                        float hi = 1.f) {
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

inline std::vector<SimdLevel> runnable_simd_levels() {
  std::vector<SimdLevel> levels{SimdLevel::Scalar};
  if (simd_level() >= SimdLevel::Avx2) levels.push_back(SimdLevel::Avx2);
  if (simd_level() >= SimdLevel::Avx512) levels.push_back(SimdLevel::Avx512);
  return levels;
}

// First index where |a - e| > atol + rtol |e|, or -1.
inline long first_mismatch(const std::vector<float>& a, const std::vector<float>& e, double atol,
                           double rtol) {
  for (size_t i = 0; i < a.size(); ++i)
    if (!(std::fabs(double(a[i]) - e[i]) <= atol + rtol * std::fabs(double(e[i]))))
      return static_cast<long>(i);
  return -1;
}

#define EXPECT_CLOSE_VECTORS(actual, expected, atol, rtol, what)                       \
  do {                                                                                 \
    const long bad_ = ::tailor::testing::first_mismatch(actual, expected, atol, rtol); \
    EXPECT_EQ(bad_, -1) << (what) << ": element " << bad_ << " is "                    \
                        << (bad_ >= 0 ? (actual)[bad_] : 0.f) << ", expected "         \
                        << (bad_ >= 0 ? (expected)[bad_] : 0.f);                       \
  } while (0)

}  // namespace tailor::testing
