#pragma once
// Reusable test helpers: seeded random tensors and a central finite-difference gradient check
// for any op with autograd. Header-only on purpose: every tests/<area> folder becomes its own
// executable, so this folder must hold no .cpp. Include as "tests/support/grad_check.h".
//
// expect_gradients_match(f, inputs) builds loss = sum(f(inputs) * W) with a fixed random W
// (so every output element counts, with a different weight), runs backward, and compares each
// checked input's gradient with (loss(x + eps) - loss(x - eps)) / (2 eps), element by element,
// evaluating the loss in double. Keep inputs away from kinks (relu6 at 0 and 6, |d| = 1 for
// smooth L1) by more than eps.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>
#include <vector>

#include "engine/autograd.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/reduce.h"
#include "engine/tensor.h"

namespace tailor::testing {

inline Tensor random_tensor(const Shape& shape, std::mt19937& rng, float lo = -1.f,
                            float hi = 1.f) {
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(static_cast<size_t>(shape_numel(shape)));
  for (float& x : v) x = dist(rng);
  return Tensor::from_vector(v, shape);
}

// Largest |a - b| / (atol + rtol * |b|) over two equal-length vectors; <= 1 means all close.
inline double max_scaled_error(const std::vector<float>& a, const std::vector<float>& b,
                               double atol, double rtol) {
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i)
    worst =
        std::max(worst, std::fabs(double(a[i]) - b[i]) / (atol + rtol * std::fabs(double(b[i]))));
  return worst;
}

inline void expect_all_close(const std::vector<float>& actual, const std::vector<float>& expected,
                             double atol = 1e-5, double rtol = 1e-5, const char* what = "") {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  for (size_t i = 0; i < actual.size(); ++i) {
    if (std::fabs(double(actual[i]) - expected[i]) > atol + rtol * std::fabs(double(expected[i]))) {
      ADD_FAILURE() << what << " element " << i << ": " << actual[i] << " vs expected "
                    << expected[i];
      return;  // one report per comparison keeps failures readable
    }
  }
}

struct GradCheckOptions {
  float eps = 1e-2f;
  double atol = 2e-3;
  double rtol = 1e-2;
  std::vector<size_t> wrt;  // inputs to check; empty = all
  uint32_t seed = 1234;
};

using OpFn = std::function<Tensor(const std::vector<Tensor>&)>;

inline void expect_gradients_match(const OpFn& f, const std::vector<Tensor>& inputs,
                                   GradCheckOptions opt = {}) {
  std::vector<size_t> wrt = opt.wrt;
  if (wrt.empty())
    for (size_t i = 0; i < inputs.size(); ++i) wrt.push_back(i);
  std::vector<Tensor> leaves;
  for (const Tensor& t : inputs) leaves.push_back(t.clone());
  for (size_t i : wrt) leaves[i].set_requires_grad(true);

  Tensor y = f(leaves);
  std::mt19937 rng(opt.seed);
  const std::vector<float> w = random_tensor(y.shape(), rng, 0.5f, 1.5f).to_vector();
  ops::sum(ops::mul(y, Tensor::from_vector(w, y.shape()))).backward();

  auto loss = [&]() {
    NoGradGuard no_grad;
    const std::vector<float> out = f(leaves).to_vector();
    double s = 0;
    for (size_t k = 0; k < out.size(); ++k) s += double(out[k]) * w[k];
    return s;
  };
  for (size_t i : wrt) {
    ASSERT_TRUE(leaves[i].grad().defined()) << "input " << i << " received no gradient";
    const std::vector<float> analytic = leaves[i].grad().to_vector();
    std::vector<float> numeric(analytic.size());
    float* p = leaves[i].data<float>();
    for (size_t j = 0; j < numeric.size(); ++j) {
      const float orig = p[j];
      p[j] = orig + opt.eps;
      const double up = loss();
      p[j] = orig - opt.eps;
      const double down = loss();
      p[j] = orig;
      numeric[j] = static_cast<float>((up - down) / (2.0 * opt.eps));
    }
    for (size_t j = 0; j < numeric.size(); ++j) {
      if (std::fabs(double(analytic[j]) - numeric[j]) >
          opt.atol + opt.rtol * std::fabs(double(numeric[j]))) {
        ADD_FAILURE() << "input " << i << " element " << j << ": analytic gradient " << analytic[j]
                      << ", finite difference " << numeric[j];
        break;
      }
    }
  }
}

}  // namespace tailor::testing
