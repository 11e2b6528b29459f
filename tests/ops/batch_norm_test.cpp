#include "engine/ops/batch_norm.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "engine/autograd.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/reduce.h"
#include "kernels/cpu/batch_norm.h"
#include "kernels/cpu/column_reduce.h"
#include "runtime/error.h"
#include "tests/support/grad_check.h"

namespace tailor {
namespace {

namespace k = kernels::cpu;
using testing::expect_all_close;
using testing::expect_gradients_match;
using testing::random_tensor;

TEST(BatchNorm, TrainingNormalizesWithBatchMomentsAndUpdatesMovingAverages) {
  // Channel 0: 1,2,3,4 (mean 2.5, biased var 1.25, unbiased 5/3); channel 1: all 7 (var 0).
  Tensor x = Tensor::from_vector({1, 7, 2, 7, 3, 7, 4, 7}, {2, 1, 2, 2});
  Tensor gamma = Tensor::from_vector({2, 1}, {2}), beta = Tensor::from_vector({0.5f, -1}, {2});
  Tensor mm = Tensor::from_vector({0, 1}, {2}), mv = Tensor::from_vector({1, 1}, {2});
  const float eps = 0.001f;
  std::vector<float> y = ops::batch_norm_train(x, gamma, beta, mm, mv, 0.9f, eps).to_vector();
  const float inv = 1.f / std::sqrt(1.25f + eps);
  for (int i = 0; i < 4; ++i) {
    EXPECT_NEAR(y[2 * i], (i + 1 - 2.5f) * inv * 2 + 0.5f, 1e-5);
    EXPECT_NEAR(y[2 * i + 1], -1.f, 1e-6);
  }
  // moving -= (moving - stat) * (1 - decay), the variance with Bessel's correction 4/3.
  EXPECT_FLOAT_EQ(mm.to_vector()[0], 0.25f);
  EXPECT_FLOAT_EQ(mm.to_vector()[1], 1.f - (1.f - 7.f) * 0.1f);
  EXPECT_FLOAT_EQ(mv.to_vector()[0], 1.f - (1.f - 5.f / 3.f) * 0.1f);
  EXPECT_FLOAT_EQ(mv.to_vector()[1], 0.9f);
  EXPECT_FALSE(mm.requires_grad());
}

TEST(BatchNorm, InferenceUsesMovingStatistics) {
  Tensor x = Tensor::from_vector({1, 2, 3, 4}, {2, 2});
  Tensor mm = Tensor::from_vector({1, -1}, {2}), mv = Tensor::from_vector({4, 0.25f}, {2});
  Tensor beta = Tensor::from_vector({10, 20}, {2});
  std::vector<float> y = ops::batch_norm_infer(x, Tensor(), beta, mm, mv, 0.f).to_vector();
  EXPECT_EQ(y, (std::vector<float>{10, 26, 11, 30}));
}

// With history, the backward uses the statistics the forward normalized with, even when the
// moving tensors change in place in between (a training step's update). Without history the
// op reads them in place, with the same output.
TEST(BatchNorm, InferenceBackwardUsesTheForwardsStatistics) {
  Tensor x = Tensor::from_vector({1, -2, 3, 0.5f}, {2, 2}).set_requires_grad();
  Tensor gamma = Tensor::from_vector({2, 1}, {2}).set_requires_grad();
  Tensor beta = Tensor::from_vector({0.5f, -1}, {2});
  Tensor mm = Tensor::from_vector({0.5f, 1}, {2}), mv = Tensor::from_vector({4, 0.25f}, {2});
  Tensor y = ops::batch_norm_infer(x, gamma, beta, mm, mv, 0.f);
  std::vector<float> no_history;
  {
    NoGradGuard no_grad;
    no_history = ops::batch_norm_infer(x, gamma, beta, mm, mv, 0.f).to_vector();
  }
  EXPECT_EQ(no_history, y.to_vector());
  mm.data<float>()[0] = 100.f;  // in place, after the forward
  mv.data<float>()[0] = 100.f;
  ops::sum(y).backward();
  // dy/dx = gamma / sqrt(var) with the forward's var: 2 / 2 and 1 / 0.5.
  EXPECT_EQ(x.grad().to_vector(), (std::vector<float>{1, 2, 1, 2}));
  // dy/dgamma = sum of (x - mean) / sqrt(var): (1 - 0.5 + 3 - 0.5) / 2 and (-2 - 1 + 0.5 - 1) /
  // 0.5.
  EXPECT_EQ(gamma.grad().to_vector(), (std::vector<float>{1.5f, -7.f}));
}

TEST(BatchNorm, FastKernelsMatchReference) {
  std::mt19937 rng(11);
  for (auto [rows, C] : std::vector<std::pair<int64_t, int64_t>>{{3, 5}, {1000, 33}, {4513, 64}}) {
    Tensor x = random_tensor({rows, C}, rng, -2, 3), dy = random_tensor({rows, C}, rng);
    Tensor gamma = random_tensor({C}, rng, 0.5f, 2), beta = random_tensor({C}, rng);
    std::vector<float> m(C), v(C), mr(C), vr(C);
    k::batch_norm_moments(rows, C, x.data<float>(), m.data(), v.data());
    k::batch_norm_moments_ref(rows, C, x.data<float>(), mr.data(), vr.data());
    expect_all_close(m, mr, 1e-5, 1e-4, "mean");
    expect_all_close(v, vr, 1e-5, 1e-4, "variance");
    std::vector<float> y(rows * C), yr(rows * C);
    k::batch_norm_forward(rows, C, x.data<float>(), m.data(), v.data(), gamma.data<float>(),
                          beta.data<float>(), 1e-3f, /*relu6=*/false, y.data());
    k::batch_norm_forward_ref(rows, C, x.data<float>(), m.data(), v.data(), gamma.data<float>(),
                              beta.data<float>(), 1e-3f, yr.data());
    expect_all_close(y, yr, 1e-5, 1e-5, "forward");
    for (bool training : {true, false}) {
      std::vector<float> dx(rows * C), dg(C), db(C), dxr(rows * C), dgr(C), dbr(C);
      k::batch_norm_backward(rows, C, x.data<float>(), dy.data<float>(), nullptr, m.data(),
                             v.data(), gamma.data<float>(), beta.data<float>(), 1e-3f, training,
                             dx.data(), dg.data(), db.data());
      k::batch_norm_backward_ref(rows, C, x.data<float>(), dy.data<float>(), m.data(), v.data(),
                                 gamma.data<float>(), 1e-3f, training, dxr.data(), dgr.data(),
                                 dbr.data());
      expect_all_close(dx, dxr, 1e-4, 1e-3, "dx");
      expect_all_close(dg, dgr, 1e-3, 1e-4, "dgamma");
      expect_all_close(db, dbr, 1e-3, 1e-4, "dbeta");
    }
  }
}

// With fixed statistics the backward writes dx in the pass that sums dbeta and dgamma. Pinned
// bit for bit to the formulas in float: dx = mask(dy) * (gamma * rsqrt(var + eps)), and the
// sums in column_reduce's order; with and without the fused relu6 mask, with and without dgamma
// (then x is NaN: that pass must not read it). The mask is read from y, or recomputed from x
// where dgamma reads x anyway: the same mask either way.
TEST(BatchNorm, FrozenBackwardIsOnePassOfTheSameFormulas) {
  std::mt19937 rng(14);
  const int64_t rows = 3 * 257, C = 37;  // rows span several of column_reduce's blocks
  Tensor x = random_tensor({rows, C}, rng, -4, 9), dy = random_tensor({rows, C}, rng);
  Tensor gamma = random_tensor({C}, rng, 0.5f, 2), beta = random_tensor({C}, rng, -1, 7);
  std::vector<float> m(C), v(C), inv(C), y(rows * C);
  k::batch_norm_moments(rows, C, x.data<float>(), m.data(), v.data());
  for (int64_t c = 0; c < C; ++c) inv[c] = 1.f / std::sqrt(v[c] + 1e-3f);
  const float *px = x.data<float>(), *pdy = dy.data<float>(), *pg = gamma.data<float>();
  const float* pb = beta.data<float>();
  k::batch_norm_forward(rows, C, px, m.data(), v.data(), pg, pb, 1e-3f, /*relu6=*/true, y.data());
  // A relu6 output's mask: both ends cut.
  EXPECT_GT(std::count(y.begin(), y.end(), 0.f), 100);
  EXPECT_GT(std::count(y.begin(), y.end(), 6.f), 100);
  const std::vector<float> nan_x(rows * C, std::nanf(""));
  for (const float* relu6_y : std::vector<const float*>{nullptr, y.data()}) {
    auto g = [&](int64_t r, int64_t c) {
      const int64_t i = r * C + c;
      return relu6_y && !(relu6_y[i] > 0.f && relu6_y[i] < 6.f) ? 0.f : pdy[i];
    };
    // The terms are stored before they are summed, so that no multiply-add contracts here.
    std::vector<float> want_dx(rows * C), g_xc(rows * C), want_db(C), want_dg(C);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < C; ++c) {
        want_dx[r * C + c] = g(r, c) * (inv[c] * pg[c]);
        g_xc[r * C + c] = g(r, c) * (px[r * C + c] - m[c]);
      }
    k::column_reduce(rows, C, g, want_db.data());
    k::column_reduce(
        rows, C, [&](int64_t r, int64_t c) { return g_xc[r * C + c]; }, want_dg.data());
    for (int64_t c = 0; c < C; ++c) want_dg[c] *= inv[c];

    std::vector<float> dx(rows * C), dg(C), db(C);
    k::batch_norm_backward(rows, C, px, pdy, relu6_y, m.data(), v.data(), pg, pb, 1e-3f, false,
                           dx.data(), dg.data(), db.data());
    EXPECT_EQ(dx, want_dx);
    EXPECT_EQ(db, want_db);
    EXPECT_EQ(dg, want_dg);
    std::fill(dx.begin(), dx.end(), 0.f);
    std::fill(db.begin(), db.end(), 0.f);
    k::batch_norm_backward(rows, C, nan_x.data(), pdy, relu6_y, m.data(), v.data(), pg, pb, 1e-3f,
                           false, dx.data(), nullptr, db.data());
    EXPECT_EQ(dx, want_dx);
    EXPECT_EQ(db, want_db);
  }
}

TEST(BatchNorm, TrainingGradientsMatchFiniteDifferences) {
  std::mt19937 rng(12);
  Tensor x = random_tensor({2, 3, 2, 3}, rng, -1, 2);
  Tensor gamma = random_tensor({3}, rng, 0.5f, 1.5f), beta = random_tensor({3}, rng);
  testing::GradCheckOptions opt;
  opt.eps = 3e-3f;
  expect_gradients_match(
      [](const std::vector<Tensor>& t) {
        Tensor mm = Tensor::zeros({3}), mv = Tensor::ones({3});
        return ops::batch_norm_train(t[0], t[1], t[2], mm, mv, 0.99f, 1e-3f);
      },
      {x, gamma, beta}, opt);
  expect_gradients_match(
      [](const std::vector<Tensor>& t) {
        Tensor mm = Tensor::zeros({3}), mv = Tensor::ones({3});
        return ops::batch_norm_train(t[0], Tensor(), Tensor(), mm, mv, 0.99f, 1e-3f);
      },
      {x}, opt);
}

TEST(BatchNorm, InferenceGradientsMatchFiniteDifferences) {
  std::mt19937 rng(13);
  Tensor x = random_tensor({3, 2, 4}, rng), gamma = random_tensor({4}, rng),
         beta = random_tensor({4}, rng);
  Tensor mm = random_tensor({4}, rng), mv = random_tensor({4}, rng, 0.5f, 2);
  expect_gradients_match(
      [mm, mv](const std::vector<Tensor>& t) {
        return ops::batch_norm_infer(t[0], t[1], t[2], mm, mv, 1e-3f);
      },
      {x, gamma, beta});
}

// BN + ReLU6 as one op must give relu6(batch_norm(x)) exactly: the same values, and the same
// gradients for x, gamma and beta, in both modes. x spans the clamp on both sides.
TEST(BatchNorm, FusedRelu6EqualsTheTwoOpsBitForBit) {
  std::mt19937 rng(21);
  const int64_t C = 19;
  Tensor x0 = random_tensor({4, 15, 13, C}, rng, -4, 9), dy = random_tensor({4, 15, 13, C}, rng);
  Tensor gamma0 = random_tensor({C}, rng, 0.5f, 4), beta0 = random_tensor({C}, rng, -1, 4);
  Tensor mm0 = random_tensor({C}, rng), mv0 = random_tensor({C}, rng, 0.5f, 2);
  for (bool training : {true, false}) {
    std::vector<std::vector<float>> results[2];
    for (int fused = 0; fused < 2; ++fused) {
      Tensor x = x0.clone().set_requires_grad(), gamma = gamma0.clone().set_requires_grad(),
             beta = beta0.clone().set_requires_grad();
      Tensor mm = mm0.clone(), mv = mv0.clone();
      Tensor y;
      if (training)
        y = fused ? ops::batch_norm_train(x, gamma, beta, mm, mv, 0.9f, 1e-3f, true)
                  : ops::relu6(ops::batch_norm_train(x, gamma, beta, mm, mv, 0.9f, 1e-3f));
      else
        y = fused ? ops::batch_norm_infer(x, gamma, beta, mm, mv, 1e-3f, true)
                  : ops::relu6(ops::batch_norm_infer(x, gamma, beta, mm, mv, 1e-3f));
      y.backward(dy);
      results[fused] = {y.to_vector(),           x.grad().to_vector(), gamma.grad().to_vector(),
                        beta.grad().to_vector(), mm.to_vector(),       mv.to_vector()};
    }
    const char* names[] = {"y", "dx", "dgamma", "dbeta", "moving_mean", "moving_variance"};
    for (int i = 0; i < 6; ++i) EXPECT_EQ(results[1][i], results[0][i]) << names[i];
    // The clamp really cut both ends, so the mask was exercised.
    const std::vector<float>& y = results[1][0];
    EXPECT_GT(std::count(y.begin(), y.end(), 0.f), 100);
    EXPECT_GT(std::count(y.begin(), y.end(), 6.f), 100);
  }
}

TEST(BatchNorm, BadShapesNameTheOp) {
  Tensor x = Tensor::zeros({2, 4}), mm = Tensor::zeros({4}), mv = Tensor::ones({4});
  Tensor bad = Tensor::zeros({3});
  EXPECT_THROW(ops::batch_norm_train(x, bad, Tensor(), mm, mv, 0.9f, 1e-3f), ShapeError);
  EXPECT_THROW(ops::batch_norm_infer(x, Tensor(), Tensor(), bad, mv, 1e-3f), ShapeError);
  try {
    ops::batch_norm_train(x, Tensor(), Tensor(), bad, mv, 0.9f, 1e-3f);
    FAIL();
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("batch_norm_train"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("[2,4]"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace tailor
