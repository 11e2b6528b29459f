// The inference path (batch norm folded, fused epilogues, planned buffers) against the
// training graph's forward in inference mode, on every MobileNet shape the project uses.
#include "models/ssd_inference.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "engine/autograd.h"
#include "kernels/cpu/depthwise_conv.h"
#include "kernels/cpu/depthwise_pointwise.h"
#include "kernels/cpu/sgemm.h"

namespace tailor::models {
namespace {

// A model whose batch norm is not the identity: random moving statistics, gamma and beta.
SsdModel random_model(const SsdConfig& config, uint32_t seed) {
  SsdModel model(config);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0.5f, 1.5f), b(-0.3f, 0.3f);
  NoGradGuard no_grad;
  for (Parameter& p : model.params().all()) {
    const std::string& n = p.name;
    auto fill = [&](auto dist) {
      std::vector<float> v(size_t(p.value.numel()));
      for (float& x : v) x = dist(rng);
      p.value.copy_from(Tensor::from_vector(v, p.value.shape()));
    };
    if (n.find("moving_variance") != std::string::npos || n.find("gamma") != std::string::npos)
      fill(u);
    else if (n.find("moving_mean") != std::string::npos || n.find("beta") != std::string::npos ||
             n.find("biases") != std::string::npos)
      fill(b);
  }
  return model;
}

Tensor random_images(int64_t n, int h, int w, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  std::vector<float> v(size_t(n * h * w * 3));
  for (float& x : v) x = u(rng);
  return Tensor::from_vector(v, {n, h, w, 3});
}

// Largest |a - b| relative to the largest |b|.
double relative_error(const Tensor& a, const Tensor& b) {
  const std::vector<float> x = a.to_vector(), y = b.to_vector();
  double worst = 0, scale = 1e-6;
  for (size_t i = 0; i < x.size(); ++i) {
    worst = std::max(worst, double(std::fabs(x[i] - y[i])));
    scale = std::max(scale, double(std::fabs(y[i])));
  }
  return worst / scale;
}

struct Shape {
  float depth;
  int height, width, classes;
  int64_t batch;
};

class SsdInferenceMatchesForward : public ::testing::TestWithParam<Shape> {};

TEST_P(SsdInferenceMatchesForward, WithinFloatRounding) {
  const Shape s = GetParam();
  SsdConfig config;
  config.depth_multiplier = s.depth;
  config.image_height = s.height;
  config.image_width = s.width;
  config.num_classes = s.classes;
  SsdModel model = random_model(config, 7);
  const Tensor images = random_images(s.batch, s.height, s.width, 11);
  SsdOutput want;
  {
    NoGradGuard no_grad;
    want = model.forward(images, /*training=*/false);
  }
  SsdInference inference(model);
  const SsdOutput got = inference.run(images);
  ASSERT_EQ(got.box_encodings.shape(), want.box_encodings.shape());
  ASSERT_EQ(got.class_logits.shape(), want.class_logits.shape());
  EXPECT_LT(relative_error(got.box_encodings, want.box_encodings), 2e-5);
  EXPECT_LT(relative_error(got.class_logits, want.class_logits), 2e-5);
  // A second run reuses the plan and gives the same bits.
  const SsdOutput again = inference.run(images);
  EXPECT_EQ(again.class_logits.to_vector(), got.class_logits.to_vector());
  // The NHWC path (the bench's comparison) matches the forward too; in it, every layer on its
  // own gives the same bits as the fused depthwise + pointwise pairs. The blocked path fuses no
  // pairs.
  EXPECT_EQ(inference.fused_pairs(s.batch), 0);
  SsdInference nhwc(model, {/*fuse_depthwise_pointwise=*/true, /*blocked_layout=*/false});
  EXPECT_GT(nhwc.fused_pairs(s.batch), 0);
  const SsdOutput fused = nhwc.run(images);
  EXPECT_LT(relative_error(fused.box_encodings, want.box_encodings), 2e-5);
  EXPECT_LT(relative_error(fused.class_logits, want.class_logits), 2e-5);
  SsdInference unfused(model, {/*fuse_depthwise_pointwise=*/false, /*blocked_layout=*/false});
  EXPECT_EQ(unfused.fused_pairs(s.batch), 0);
  const SsdOutput layer_by_layer = unfused.run(images);
  EXPECT_EQ(layer_by_layer.class_logits.to_vector(), fused.class_logits.to_vector());
  EXPECT_EQ(layer_by_layer.box_encodings.to_vector(), fused.box_encodings.to_vector());
  // Timed step by step (bench model --layers): the same bits, one time per planned step, and
  // the steps' FLOPs are every convolution's, the box and class predictors included.
  std::vector<double> step_ms;
  const SsdOutput timed = inference.run(images.data<float>(), s.batch, &step_ms);
  EXPECT_EQ(timed.class_logits.to_vector(), got.class_logits.to_vector());
  const std::vector<InferenceStep> steps = inference.steps(s.batch);
  ASSERT_EQ(step_ms.size(), steps.size());
  double flops = 0, want_flops = 0;
  for (const InferenceStep& st : steps) flops += st.flops;
  for (const LayerSpec& l : model.architecture().layers) {
    const int64_t oh = (l.in_height + l.stride - 1) / l.stride;
    const int64_t ow = (l.in_width + l.stride - 1) / l.stride;
    const double in = l.kind == LayerKind::Depthwise ? 1 : l.in_channels;
    want_flops += 2.0 * s.batch * oh * ow * l.kernel * l.kernel * in * l.out_channels;
  }
  EXPECT_DOUBLE_EQ(flops, want_flops);
  EXPECT_EQ(steps.front().name, "FeatureExtractor/MobilenetV1/Conv2d_0");
  EXPECT_EQ(steps[1].name, "FeatureExtractor/MobilenetV1/Conv2d_1_depthwise");
  const std::vector<InferenceStep> nhwc_steps = nhwc.steps(s.batch);
  EXPECT_NE(nhwc_steps[1].name.find("Conv2d_1_depthwise + Conv2d_1_pointwise"), std::string::npos)
      << nhwc_steps[1].name;
}

INSTANTIATE_TEST_SUITE_P(MobileNetShapes, SsdInferenceMatchesForward,
                         ::testing::Values(Shape{1.0f, 300, 300, 90, 1},  // the COCO model
                                           Shape{0.75f, 300, 300, 90,
                                                 2},  // the shared TF Lite model's
                                           Shape{0.75f, 400, 300, 9, 3},  // the clothing tagger
                                           Shape{0.25f, 64, 64, 9, 2}));  // the tests' tiny model

// n floats uniform in [-range, range), drawn from rng.
std::vector<float> uniform_floats(std::mt19937& rng, size_t n, float range) {
  std::uniform_real_distribution<float> u(-range, range);
  std::vector<float> v(n);
  for (float& x : v) x = u(rng);
  return v;
}

TEST(FusedEpilogues, MatchTheUnfusedKernelsBitForBit) {
  namespace kc = kernels::cpu;
  std::mt19937 rng(3);
  auto random = [&](size_t n) { return uniform_floats(rng, n, 4.f); };
  // A GEMM with a partial last tile and more than one K slice.
  const int64_t M = 301, N = 45, K = 300;
  const std::vector<float> a = random(M * K), b = random(K * N), bias = random(N);
  std::vector<float> plain(M * N), fused(M * N);
  kc::sgemm(false, false, M, N, K, 1.f, a.data(), K, b.data(), N, 0.f, plain.data(), N);
  for (int64_t i = 0; i < M * N; ++i)
    plain[i] = std::min(std::max(plain[i] + bias[i % N], 0.f), 6.f);
  kc::sgemm_packed(M, a.data(), K, kc::PackedMatrix(false, K, N, b.data(), N), fused.data(), N,
                   {bias.data(), true});
  EXPECT_EQ(fused, plain);
  // Depthwise 3x3 stride 2 with 37 channels (a partial vector).
  const auto g = kernels::make_conv_geometry(2, 19, 17, 37, 3, 3, 37, 2, kernels::Padding::Same);
  const std::vector<float> x = random(g.input_numel()), w = random(9 * 37), cb = random(37);
  std::vector<float> y0(g.output_numel()), y1(g.output_numel());
  kc::depthwise_conv2d_forward(g, x.data(), w.data(), y0.data());
  for (int64_t i = 0; i < g.output_numel(); ++i)
    y0[i] = std::min(std::max(y0[i] + cb[i % 37], 0.f), 6.f);
  kc::depthwise_conv2d_forward(g, x.data(), w.data(), y1.data(), {cb.data(), true});
  EXPECT_EQ(y1, y0);
}

// The fused depthwise + pointwise kernel against the two kernels run one after the other, on
// shapes with a partial vector of channels, stride 2, several images per band or several bands
// per image, a partial last band and more than one K slice of the pointwise GEMM.
TEST(FusedDepthwisePointwise, MatchesTheTwoKernelsBitForBit) {
  namespace kc = kernels::cpu;
  std::mt19937 rng(5);
  auto random = [&](size_t n) { return uniform_floats(rng, n, 2.f); };
  struct Case {
    int64_t n, h, w, c, stride, out_c;
  };
  for (const Case& t : {Case{2, 19, 17, 37, 2, 45}, Case{1, 150, 150, 32, 1, 64},
                        Case{3, 10, 10, 300, 1, 33}, Case{2, 38, 38, 128, 2, 256}}) {
    SCOPED_TRACE(::testing::Message() << t.n << "x" << t.h << "x" << t.w << "x" << t.c << " s"
                                      << t.stride << " -> " << t.out_c);
    const auto g = kernels::make_conv_geometry(t.n, t.h, t.w, t.c, 3, 3, t.c, t.stride,
                                               kernels::Padding::Same);
    const std::vector<float> x = random(g.input_numel()), w = random(9 * t.c);
    const std::vector<float> dw_bias = random(t.c), pw = random(t.c * t.out_c),
                             pw_bias = random(t.out_c);
    const kc::PackedMatrix packed(false, t.c, t.out_c, pw.data(), t.out_c);
    const int64_t pixels = g.batch * g.out_h * g.out_w;
    std::vector<float> mid(g.output_numel()), want(pixels * t.out_c), got(pixels * t.out_c);
    kc::depthwise_conv2d_forward(g, x.data(), w.data(), mid.data(), {dw_bias.data(), true});
    kc::sgemm_packed(pixels, mid.data(), t.c, packed, want.data(), t.out_c, {pw_bias.data(), true});
    kc::depthwise_pointwise_forward(g, x.data(), w.data(), {dw_bias.data(), true}, packed,
                                    {pw_bias.data(), true}, got.data());
    EXPECT_EQ(got, want);
  }
}

}  // namespace
}  // namespace tailor::models
