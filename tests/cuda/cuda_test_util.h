#pragma once
// Helpers for the CUDA suites: the skip every GPU test starts with, random host data, and
// device copies through Tensor (so the engine's copy path is exercised too).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "engine/tensor.h"
#include "runtime/device.h"

#define TAILOR_REQUIRE_GPU()                             \
  do {                                                   \
    std::string tailor_why_;                             \
    if (!::tailor::cuda_available(&tailor_why_))         \
      GTEST_SKIP() << "no CUDA device: " << tailor_why_; \
  } while (0)

namespace tailor::testing {

inline std::vector<float> random_vector(size_t n, uint32_t seed, float lo = -1.f, float hi = 1.f) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = d(gen);
  return v;
}

// A device tensor holding `v` (shape [n]).
inline Tensor to_gpu(const std::vector<float>& v) {
  return Tensor::from_vector(v, {static_cast<int64_t>(v.size())}).to(Device::cuda());
}
inline Tensor gpu_zeros(size_t n) {
  return Tensor::zeros({static_cast<int64_t>(n)}, DType::Float32, Device::cuda());
}

// Max |a - b| / (1 + |b|) must stay under tol; reports the worst index.
inline void expect_close(const std::vector<float>& got, const std::vector<float>& want, float tol,
                         const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  size_t worst = 0;
  float err = 0.f;
  for (size_t i = 0; i < got.size(); ++i) {
    const float e = std::fabs(got[i] - want[i]) / (1.f + std::fabs(want[i]));
    if (!(e <= err)) {  // also catches NaN
      err = e;
      worst = i;
    }
  }
  EXPECT_LE(err, tol) << what << ": worst at " << worst << " got " << got[worst] << " want "
                      << want[worst];
}

// ||got - want||_2 / ||want||_2 must stay under tol: for results whose elements are sums that
// amplify rounding, where two correct float32 summation orders already differ element-wise.
inline void expect_close_l2(const std::vector<float>& got, const std::vector<float>& want,
                            double tol, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  double diff = 0, norm = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double d = double(got[i]) - double(want[i]);
    diff += d * d;
    norm += double(want[i]) * double(want[i]);
  }
  const double rel = std::sqrt(diff) / std::max(std::sqrt(norm), 1e-30);
  EXPECT_LE(rel, tol) << what << ": relative L2 error (NaN fails too)";
}

}  // namespace tailor::testing
