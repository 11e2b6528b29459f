// The non-convolution CUDA kernels against the CPU versions: fused batch norm + ReLU6, the
// elementwise ops, reductions, both losses, box decoding, NMS and the RMSProp + EMA update.
#include <gtest/gtest.h>

#include "tests/cuda/cuda_test_util.h"

#ifdef TAILOR_WITH_CUDA
#include <algorithm>

#include "kernels/cpu/batch_norm.h"
#include "kernels/cpu/losses.h"
#include "kernels/cpu/reduce.h"
#include "kernels/cpu/rmsprop.h"
#include "kernels/cuda/batch_norm.h"
#include "kernels/cuda/elementwise.h"
#include "kernels/cuda/losses.h"
#include "kernels/cuda/reduce.h"
#include "kernels/cuda/rmsprop.h"

namespace tailor {
namespace {

namespace kc = kernels::cuda;
namespace kp = kernels::cpu;
using testing::expect_close;
using testing::gpu_zeros;
using testing::random_vector;
using testing::to_gpu;

float* f(const Tensor& t) {
  return t.data<float>();
}

std::vector<float> relu6_host(std::vector<float> v) {
  for (auto& x : v) x = std::min(std::max(x, 0.f), 6.f);
  return v;
}

// Training forward + backward with ReLU6, for channel counts on and off the 32-wide blocks.
TEST(CudaBatchNorm, TrainForwardBackwardWithRelu6MatchCpu) {
  TAILOR_REQUIRE_GPU();
  for (int64_t channels : {3, 32, 45}) {
    const int64_t rows = 2 * 9 * 11;
    const auto x = random_vector(rows * channels, 11, -2.f, 5.f),
               dy = random_vector(rows * channels, 12);
    const auto gamma = random_vector(channels, 13, 0.5f, 2.f),
               beta = random_vector(channels, 14, 0.f, 3.f);
    auto mm = random_vector(channels, 15), mv = random_vector(channels, 16, 0.5f, 1.5f);
    const float eps = 1e-3f, decay = 0.997f;

    std::vector<float> mean(channels), var(channels), z(rows * channels);
    kp::batch_norm_moments_ref(rows, channels, x.data(), mean.data(), var.data());
    kp::batch_norm_forward_ref(rows, channels, x.data(), mean.data(), var.data(), gamma.data(),
                               beta.data(), eps, z.data());
    const auto y_ref = relu6_host(z);
    std::vector<float> dz(dy);
    for (size_t i = 0; i < dz.size(); ++i) dz[i] = (y_ref[i] > 0.f && y_ref[i] < 6.f) ? dy[i] : 0.f;
    std::vector<float> dx_ref(rows * channels), dg_ref(channels), db_ref(channels);
    kp::batch_norm_backward_ref(rows, channels, x.data(), dz.data(), mean.data(), var.data(),
                                gamma.data(), eps, true, dx_ref.data(), dg_ref.data(),
                                db_ref.data());
    std::vector<float> mm_ref(mm), mv_ref(mv);
    for (int64_t c = 0; c < channels; ++c) {
      mm_ref[c] = mm[c] * decay + mean[c] * (1 - decay);
      mv_ref[c] = mv[c] * decay + var[c] * float(rows) / float(rows - 1) * (1 - decay);
    }

    Tensor xg = to_gpu(x), dyg = to_gpu(dy), gg = to_gpu(gamma), bg = to_gpu(beta),
           mmg = to_gpu(mm), mvg = to_gpu(mv);
    Tensor yg = gpu_zeros(x.size()), sm = gpu_zeros(channels), sr = gpu_zeros(channels);
    Tensor dxg = gpu_zeros(x.size()), dgg = gpu_zeros(channels), dbg = gpu_zeros(channels);
    kc::batch_norm_train_forward(rows, channels, f(xg), f(gg), f(bg), eps, true, f(yg), f(sm),
                                 f(sr), f(mmg), f(mvg), decay);
    kc::batch_norm_train_backward(rows, channels, f(xg), f(yg), f(dyg), f(gg), f(sm), f(sr), true,
                                  f(dxg), f(dgg), f(dbg));
    const std::string what = "C=" + std::to_string(channels);
    expect_close(yg.to_vector(), y_ref, 1e-4f, what + " y");
    expect_close(sm.to_vector(), mean, 1e-5f, what + " mean");
    expect_close(mmg.to_vector(), mm_ref, 1e-5f, what + " moving_mean");
    expect_close(mvg.to_vector(), mv_ref, 1e-4f, what + " moving_variance");
    expect_close(dxg.to_vector(), dx_ref, 1e-3f, what + " dx");
    expect_close(dgg.to_vector(), dg_ref, 1e-3f, what + " dgamma");
    expect_close(dbg.to_vector(), db_ref, 1e-3f, what + " dbeta");
  }
}

TEST(CudaBatchNorm, InferenceForwardBackwardMatchCpu) {
  TAILOR_REQUIRE_GPU();
  const int64_t rows = 50, channels = 7;
  const auto x = random_vector(rows * channels, 21), dy = random_vector(rows * channels, 22);
  const auto gamma = random_vector(channels, 23, 0.5f, 2.f), beta = random_vector(channels, 24);
  const auto mm = random_vector(channels, 25), mv = random_vector(channels, 26, 0.5f, 1.5f);
  const float eps = 1e-3f;
  std::vector<float> y_ref(x.size()), dx_ref(x.size()), dg_ref(channels), db_ref(channels);
  kp::batch_norm_forward_ref(rows, channels, x.data(), mm.data(), mv.data(), gamma.data(),
                             beta.data(), eps, y_ref.data());
  kp::batch_norm_backward_ref(rows, channels, x.data(), dy.data(), mm.data(), mv.data(),
                              gamma.data(), eps, false, dx_ref.data(), dg_ref.data(),
                              db_ref.data());
  Tensor xg = to_gpu(x), dyg = to_gpu(dy), gg = to_gpu(gamma), bg = to_gpu(beta), mmg = to_gpu(mm),
         mvg = to_gpu(mv);
  Tensor yg = gpu_zeros(x.size()), dxg = gpu_zeros(x.size()), dgg = gpu_zeros(channels),
         dbg = gpu_zeros(channels);
  kc::batch_norm_infer_forward(rows, channels, f(xg), f(gg), f(bg), f(mmg), f(mvg), eps, false,
                               f(yg));
  kc::batch_norm_infer_backward(rows, channels, f(xg), f(yg), f(dyg), f(gg), f(mmg), f(mvg), eps,
                                false, f(dxg), f(dgg), f(dbg));
  expect_close(yg.to_vector(), y_ref, 1e-5f, "y");
  expect_close(dxg.to_vector(), dx_ref, 1e-5f, "dx");
  expect_close(dgg.to_vector(), dg_ref, 1e-4f, "dgamma");
  expect_close(dbg.to_vector(), db_ref, 1e-4f, "dbeta");
}

TEST(CudaElementwise, ForwardAndBackwardMatchHostFormulas) {
  TAILOR_REQUIRE_GPU();
  const size_t n = 1027;  // not a multiple of 4: the scalar tail runs too
  const auto a = random_vector(n, 31, -8.f, 8.f), b = random_vector(n, 32);
  Tensor ag = to_gpu(a), bg = to_gpu(b), out = gpu_zeros(n);
  auto host = [&](auto fn) {
    std::vector<float> r(n);
    for (size_t i = 0; i < n; ++i) r[i] = fn(a[i], b[i]);
    return r;
  };
  kc::add(n, f(ag), f(bg), f(out));
  expect_close(out.to_vector(), host([](float x, float y) { return x + y; }), 1e-6f, "add");
  kc::sub(n, f(ag), f(bg), f(out));
  expect_close(out.to_vector(), host([](float x, float y) { return x - y; }), 1e-6f, "sub");
  kc::mul(n, f(ag), f(bg), f(out));
  expect_close(out.to_vector(), host([](float x, float y) { return x * y; }), 1e-6f, "mul");
  kc::scale(n, f(ag), -0.25f, f(out));
  expect_close(out.to_vector(), host([](float x, float) { return x * -0.25f; }), 1e-6f, "scale");
  kc::add_scalar(n, f(ag), 3.f, f(out));
  expect_close(out.to_vector(), host([](float x, float) { return x + 3.f; }), 1e-6f, "add_scalar");
  kc::relu6(n, f(ag), f(out));
  expect_close(out.to_vector(),
               host([](float x, float) { return std::min(std::max(x, 0.f), 6.f); }), 0.f, "relu6");
  kc::relu6_backward(n, f(ag), f(bg), f(out));
  expect_close(out.to_vector(), host([](float x, float g) { return x > 0.f && x < 6.f ? g : 0.f; }),
               0.f, "relu6_backward");
  kc::sigmoid(n, f(ag), f(out));
  const auto sig = host([](float x, float) { return 1.f / (1.f + std::exp(-x)); });
  expect_close(out.to_vector(), sig, 1e-6f, "sigmoid");
  Tensor sg = to_gpu(sig);
  kc::sigmoid_backward(n, f(sg), f(bg), f(out));
  std::vector<float> sig_grad(n);
  for (size_t i = 0; i < n; ++i) sig_grad[i] = b[i] * sig[i] * (1.f - sig[i]);
  expect_close(out.to_vector(), sig_grad, 1e-6f, "sigmoid_backward");
  Tensor acc = to_gpu(b);
  kc::axpy(n, 2.f, f(ag), f(acc));
  expect_close(acc.to_vector(), host([](float x, float y) { return y + 2.f * x; }), 1e-6f, "axpy");

  const int64_t rows = 37, channels = 19;
  const auto x = random_vector(rows * channels, 33), bias = random_vector(channels, 34);
  Tensor xg = to_gpu(x), biasg = to_gpu(bias), yg = gpu_zeros(x.size()), dbg = gpu_zeros(channels);
  kc::bias_add(rows, channels, f(xg), f(biasg), f(yg));
  std::vector<float> y_ref(x.size()), db_ref(channels);
  for (int64_t i = 0; i < rows * channels; ++i) y_ref[i] = x[i] + bias[i % channels];
  expect_close(yg.to_vector(), y_ref, 1e-6f, "bias_add");
  kc::column_sum(rows, channels, f(xg), f(dbg));
  kp::sum_rows_ref(rows, channels, x.data(), db_ref.data());
  expect_close(dbg.to_vector(), db_ref, 1e-5f, "bias_add backward (column_sum)");
}

TEST(CudaReduce, SumMatchesCpuAndIsDeterministic) {
  TAILOR_REQUIRE_GPU();
  for (size_t n : {size_t(0), size_t(1), size_t(1000), size_t(1) << 20}) {
    const auto x = random_vector(n, 41);
    Tensor xg = n ? to_gpu(x) : gpu_zeros(1), out = gpu_zeros(1);
    kc::sum(n, f(xg), f(out));
    const float got = out.to_vector()[0];
    EXPECT_NEAR(got, kp::sum_ref(n, x.data()), 1e-5 * (1 + n / 100.0)) << "n=" << n;
    kc::sum(n, f(xg), f(out));
    EXPECT_EQ(out.to_vector()[0], got) << "n=" << n << " changed between identical runs";
  }
}

TEST(CudaLosses, ForwardAndGradientMatchCpu) {
  TAILOR_REQUIRE_GPU();
  const size_t n = 999;
  const auto logits = random_vector(n, 51, -30.f, 30.f), labels = random_vector(n, 52, 0.f, 1.f);
  const auto pred = random_vector(n, 53, -3.f, 3.f), target = random_vector(n, 54, -3.f, 3.f);
  const auto dloss = random_vector(n, 55);
  std::vector<float> ce(n), dce(n), sl(n), dsl(n);
  kp::sigmoid_cross_entropy_ref(n, logits.data(), labels.data(), ce.data());
  kp::sigmoid_cross_entropy_backward_ref(n, logits.data(), labels.data(), dloss.data(), dce.data());
  kp::smooth_l1_ref(n, pred.data(), target.data(), sl.data());
  kp::smooth_l1_backward_ref(n, pred.data(), target.data(), dloss.data(), dsl.data());
  Tensor lg = to_gpu(logits), zg = to_gpu(labels), pg = to_gpu(pred), tg = to_gpu(target),
         dg = to_gpu(dloss);
  Tensor out = gpu_zeros(n);
  kc::sigmoid_cross_entropy_forward(n, f(lg), f(zg), f(out));
  expect_close(out.to_vector(), ce, 1e-5f, "sigmoid_cross_entropy");
  kc::sigmoid_cross_entropy_backward(n, f(lg), f(zg), f(dg), f(out));
  expect_close(out.to_vector(), dce, 1e-5f, "sigmoid_cross_entropy grad");
  kc::smooth_l1_forward(n, f(pg), f(tg), f(out));
  expect_close(out.to_vector(), sl, 1e-6f, "smooth_l1");
  kc::smooth_l1_backward(n, f(pg), f(tg), f(dg), f(out));
  expect_close(out.to_vector(), dsl, 1e-6f, "smooth_l1 grad");
}

TEST(CudaRmsProp, MatchesCpuUpdateAndMovingAverage) {
  TAILOR_REQUIRE_GPU();
  const size_t n = 1001;
  auto var = random_vector(n, 91), ms = std::vector<float>(n, 1.f),
       mom = random_vector(n, 92, 0.f, 0.1f);
  auto avg = random_vector(n, 93);
  const auto grad = random_vector(n, 94);
  Tensor vg = to_gpu(var), msg = to_gpu(ms), mg = to_gpu(mom), ag = to_gpu(avg), gg = to_gpu(grad);
  Tensor lr_dev = to_gpu({0.004f});
  const kc::RmsPropHyper h{0.9f, 0.9f, 1.0f};
  for (int step = 0; step < 3; ++step) {
    kp::rmsprop_update_ref(n, var.data(), ms.data(), mom.data(), grad.data(), 0.004f, h.rho,
                           h.momentum, h.epsilon);
    kp::moving_average_update_ref(n, avg.data(), var.data(), 0.9999f);
    // Step 0 takes lr from the host value, later steps from the device scalar.
    kc::rmsprop_ema_update(n, f(vg), f(msg), f(mg), f(gg), h, step == 0 ? 0.004f : 123.f,
                           step == 0 ? nullptr : f(lr_dev), f(ag), 0.9999f, nullptr);
  }
  expect_close(vg.to_vector(), var, 1e-6f, "var");
  expect_close(msg.to_vector(), ms, 1e-6f, "ms");
  expect_close(mg.to_vector(), mom, 1e-6f, "mom");
  expect_close(ag.to_vector(), avg, 1e-6f, "var_avg");
}

}  // namespace
}  // namespace tailor

#else

TEST(CudaOps, SkippedWithoutCuda) {
  GTEST_SKIP() << "no CUDA device: this binary was built without CUDA";
}

#endif
