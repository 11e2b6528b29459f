// The bench harness as a library: quick mode verifies every implementation built here, the
// reference it checks against agrees with the kernels' plain loops, and the outputs carry the
// documented keys. Speed is never asserted.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "bench/conv_cases.h"
#include "bench/conv_impls.h"
#include "bench/conv_micro.h"
#include "bench/conv_verify.h"
#include "bench/model_bench.h"
#include "bench/peer.h"
#include "kernels/cpu/depthwise_conv.h"
#include "runtime/device.h"
#include "runtime/error.h"

namespace tailor::bench {
namespace {

std::string temp_path(const std::string& name) {
  return std::string(TAILOR_BINARY_DIR) + "/" + name;
}

std::string read_all(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

TEST(ConvCases, ShapesFollowTheArchitecture) {
  const auto cases = ssd_mobilenet_conv_cases({1.0f, 0.75f}, {1}, {ConvPass::Forward});
  // First backbone layers: Conv2d_1 depthwise 150x150x32 (24 at depth 0.75), pointwise ->64.
  ASSERT_FALSE(cases.empty());
  EXPECT_EQ(cases[0].layer, "Conv2d_1_depthwise");
  EXPECT_EQ(cases[0].g.in_h, 150);
  EXPECT_EQ(cases[0].g.in_c, 32);
  std::set<std::tuple<float, int, int64_t, int64_t, int64_t, int64_t>> seen;
  bool has_075 = false;
  for (const ConvCase& c : cases) {
    EXPECT_TRUE(
        seen.insert({c.depth_multiplier, int(c.kind), c.g.in_h, c.g.in_c, c.g.out_c, c.g.stride})
            .second)
        << c.layer << " repeated";
    if (c.depth_multiplier == 0.75f && c.layer == "Conv2d_1_depthwise") {
      has_075 = true;
      EXPECT_EQ(c.g.in_c, 24);
    }
    if (c.kind == ConvKind::Pointwise) {
      EXPECT_EQ(c.g.kernel_h, 1);
      EXPECT_EQ(c.g.stride, 1);
    }
  }
  EXPECT_TRUE(has_075);
  // Crossing with batches and passes multiplies the list.
  EXPECT_EQ(ssd_mobilenet_conv_cases(
                {1.0f}, {1, 10, 32},
                {ConvPass::Forward, ConvPass::BackwardData, ConvPass::BackwardFilter})
                .size(),
            9 * ssd_mobilenet_conv_cases({1.0f}, {1}, {ConvPass::Forward}).size());
}

// The sampled reference agrees with the kernels' own reference loops on every pass, including
// a stride-2 shape with TF's asymmetric SAME padding, and flags a corrupted element.
TEST(ConvVerify, ReferenceMatchesKernelReferenceLoops) {
  ConvCase c;
  c.kind = ConvKind::Depthwise;
  c.g = kernels::make_conv_geometry(2, 8, 7, 5, 3, 3, 5, 2, kernels::Padding::Same);
  std::vector<float> x(c.g.input_numel()), w(c.weight_numel()), dy(c.g.output_numel());
  for (size_t i = 0; i < x.size(); ++i) x[i] = float((i * 37) % 11) / 11.f - 0.5f;
  for (size_t i = 0; i < w.size(); ++i) w[i] = float((i * 13) % 7) / 7.f - 0.4f;
  for (size_t i = 0; i < dy.size(); ++i) dy[i] = float((i * 29) % 9) / 9.f - 0.3f;
  for (ConvPass pass : {ConvPass::Forward, ConvPass::BackwardData, ConvPass::BackwardFilter}) {
    c.pass = pass;
    std::vector<float> expected(c.out_numel());
    const float* a = pass == ConvPass::BackwardData ? dy.data() : x.data();
    const float* b = pass == ConvPass::BackwardFilter ? dy.data() : w.data();
    if (pass == ConvPass::Forward)
      kernels::cpu::depthwise_conv2d_forward_ref(c.g, a, b, expected.data());
    else if (pass == ConvPass::BackwardData)
      kernels::cpu::depthwise_conv2d_backward_input_ref(c.g, a, b, expected.data());
    else
      kernels::cpu::depthwise_conv2d_backward_filter_ref(c.g, a, b, expected.data());
    const ConvReference ref = conv_reference(c, a, b);
    ASSERT_EQ(ref.index.size(), expected.size()) << conv_pass_name(pass);  // small: all checked
    ConvCheck check = check_result(c, ref, expected);
    EXPECT_TRUE(check.ok) << conv_pass_name(pass);
    EXPECT_LT(check.max_abs_err, 1e-6) << conv_pass_name(pass);
    expected[expected.size() / 2] += 0.5f;
    check = check_result(c, ref, expected);
    EXPECT_FALSE(check.ok) << conv_pass_name(pass);
    EXPECT_NEAR(check.max_abs_err, 0.5, 1e-5);
  }
}

void expect_quick_verifies(const std::string& device) {
  KernelBenchOptions options;
  options.device = device;
  options.quick = true;
  options.json_path = temp_path("bench_kernels_quick_" + device + ".json");
  options.csv_path = temp_path("bench_kernels_quick_" + device + ".csv");
  std::ostringstream out;
  const KernelBenchReport report = run_kernel_bench(options, out);
  EXPECT_TRUE(report.all_verified) << out.str();
  std::vector<ConvImpl> impls;
  std::string why;
  if (device == "cpu")
    impls = cpu_conv_impls();
  else
    impls = cuda_conv_impls(&why);
  ASSERT_FALSE(impls.empty());
  ASSERT_EQ(report.impls_run.size(), impls.size());
  // One shape per (op, pass); every implementation that supports it ran and verified.
  const std::vector<ConvCase> cases = quick_conv_cases();
  EXPECT_EQ(cases.size(), 6u);
  size_t expected_rows = 0;
  for (const ConvCase& c : cases)
    for (const ConvImpl& impl : impls) expected_rows += impl.supports(c) ? 1 : 0;
  ASSERT_EQ(report.results.size(), expected_rows);
  for (const KernelResult& r : report.results) {
    EXPECT_TRUE(r.verified) << r.impl << " " << conv_pass_name(r.c.pass) << " " << r.c.shape_text()
                            << " err " << r.max_abs_err;
    EXPECT_GT(r.checked, 0);
    EXPECT_EQ(r.timing.reps, 3);
    EXPECT_GT(r.timing.median_ms, 0);
    EXPECT_GT(r.roofline_pct, 0);
  }

  const nlohmann::json j = nlohmann::json::parse(read_all(options.json_path));
  ASSERT_TRUE(j.is_array());
  ASSERT_EQ(j.size(), expected_rows);
  for (const char* key : {"op", "pass", "impl", "shape", "batch", "time_ms", "gflops", "gbps",
                          "roofline_pct", "ratio_vs_library", "max_abs_err", "verified"})
    EXPECT_TRUE(j[0].contains(key)) << key;
  EXPECT_EQ(j[0]["shape"]["input"].size(), 4u);
  EXPECT_TRUE(j[0]["verified"].get<bool>());
  const std::string csv = read_all(options.csv_path);
  EXPECT_EQ(static_cast<size_t>(std::count(csv.begin(), csv.end(), '\n')), expected_rows + 1);
  std::remove(options.json_path.c_str());
  std::remove(options.csv_path.c_str());
}

TEST(KernelBench, QuickModeVerifiesEveryCpuImplementation) {
  expect_quick_verifies("cpu");
}

TEST(KernelBench, QuickModeVerifiesEveryCudaImplementationOrSaysWhyNot) {
  std::string why;
  if (cuda_conv_impls(&why).empty()) {
    EXPECT_NE(why.find("no CUDA device"), std::string::npos) << why;
    std::ostringstream out;
    KernelBenchOptions options;
    options.device = "cuda";
    options.quick = true;
    const KernelBenchReport report = run_kernel_bench(options, out);
    EXPECT_TRUE(report.results.empty());
    EXPECT_NE(out.str().find("cuda: skipped (no CUDA device: "), std::string::npos) << out.str();
    return;
  }
  expect_quick_verifies("cuda");
}

TEST(KernelBench, UnknownImplementationIsAUsageError) {
  KernelBenchOptions options;
  options.impls = {"cpu-mkl"};
  std::ostringstream out;
  EXPECT_THROW(run_kernel_bench(options, out), UsageError);
}

// A depth-0.25 model with 9 classes, timed once per inference: seconds, not minutes.
ModelBenchOptions small_model(int batch, int train_iters) {
  ModelBenchOptions options;
  options.batches = {batch};
  options.depth = 0.25f;
  options.num_classes = 9;
  options.train_iters = train_iters;
  options.infer_iters = 1;
  return options;
}

// A batch-1 model at depth 0.25: the training step runs the whole loss and update and reports
// a finite loss and a peak memory above the parameters' size.
TEST(ModelBench, SmallModelReportsStepTimesAndMemory) {
  ModelBenchOptions options = small_model(1, 1);
  options.json_path = temp_path("bench_model_small.json");
  std::ostringstream out;
  const ModelBenchReport report = run_model_bench(options, out);
  ASSERT_EQ(report.rows.size(), 1u) << out.str();
  const ModelBenchRow& r = report.rows[0];
  EXPECT_TRUE(std::isfinite(r.loss));
  EXPECT_GT(r.loss, 0.f);
  EXPECT_GT(r.train_step_ms, 0);
  EXPECT_GT(r.infer_ms, 0);
  EXPECT_GT(r.train_peak_mb, r.infer_peak_mb * 0.5);
  EXPECT_GT(r.infer_peak_mb, 0.5);  // 0.25 depth: ~0.5M parameters = 2 MB, plus activations
  // One more step by phase, in the order they run, each timed.
  ASSERT_EQ(r.train_phases.size(), 4u);
  EXPECT_EQ(r.train_phases[0].first, "forward");
  EXPECT_EQ(r.train_phases[3].first, "RMSProp");
  for (const auto& [name, w] : r.train_phases) EXPECT_GT(w.ms, 0) << name;
  const nlohmann::json j = nlohmann::json::parse(read_all(options.json_path));
  EXPECT_EQ(j["results"][0]["batch"], 1);
  EXPECT_GT(j["results"][0]["train_phases"]["backward"]["ms"].get<double>(), 0);
  EXPECT_FALSE(j["results"][0].contains("backward_ops"));  // only with --layers
  std::remove(options.json_path.c_str());
}

// --layers: the inference forward by step and the training backward by op, both in the JSON.
TEST(ModelBench, LayersProfileTheForwardAndTheBackward) {
  ModelBenchOptions options = small_model(1, 1);
  options.layers = true;
  options.json_path = temp_path("bench_model_layers.json");
  std::ostringstream out;
  const ModelBenchReport report = run_model_bench(options, out);
  ASSERT_EQ(report.rows.size(), 1u) << out.str();
  const ModelBenchRow& r = report.rows[0];
  EXPECT_FALSE(r.layers.empty());
  ASSERT_FALSE(r.backward_ops.empty());
  int pointwise = 0;
  for (const auto& o : r.backward_ops) pointwise += o.op == "pointwise_conv2d" ? o.calls : 0;
  // MobileNet's 13 pointwise layers, the extra layers' 1x1 halves and the 1x1 predictors.
  EXPECT_GE(pointwise, 13);
  EXPECT_NE(out.str().find("backward by op, batch 1"), std::string::npos) << out.str();
  const nlohmann::json j = nlohmann::json::parse(read_all(options.json_path));
  EXPECT_FALSE(j["results"][0]["layers"].empty());
  EXPECT_FALSE(j["results"][0]["backward_ops"].empty());
  std::remove(options.json_path.c_str());
}

// --freeze-batchnorm trains as the clothing recipe does: every convolution with batch norm runs
// as the fused op with the moving statistics, none as batch_norm_train.
TEST(ModelBench, FrozenBatchNormTrainsThroughTheFusedOp) {
  ModelBenchOptions options = small_model(1, 1);
  options.layers = true;
  options.freeze_batchnorm = true;
  options.json_path = temp_path("bench_model_frozen.json");
  std::ostringstream out;
  const ModelBenchReport report = run_model_bench(options, out);
  ASSERT_EQ(report.rows.size(), 1u) << out.str();
  EXPECT_TRUE(std::isfinite(report.rows[0].loss));
  int fused = 0, batch_stats = 0;
  for (const auto& o : report.rows[0].backward_ops) {
    fused += o.op == "conv_batch_norm_relu6" ? o.calls : 0;
    batch_stats += o.op.rfind("batch_norm_train", 0) == 0 ? o.calls : 0;
  }
  EXPECT_GE(fused, 27);  // Conv2d_0, 13 depthwise + pointwise pairs, the extra layers
  EXPECT_EQ(batch_stats, 0);
  EXPECT_NE(out.str().find("batch norm frozen"), std::string::npos) << out.str();
  const nlohmann::json j = nlohmann::json::parse(read_all(options.json_path));
  EXPECT_TRUE(j["freeze_batchnorm"].get<bool>());
  std::remove(options.json_path.c_str());
}

// With busy background processes the threads claim chunks in another order, yet every chunk
// computes what it always does: the training step's loss comes out bit for bit the same.
TEST(ModelBench, BackgroundLoadChangesTimesNotResults) {
  ModelBenchOptions options = small_model(2, 2);
  options.background_load = 2;
  std::ostringstream out;
  const ModelBenchReport report = run_model_bench(options, out);
  ASSERT_EQ(report.rows.size(), 1u) << out.str();
  ASSERT_EQ(report.loaded_rows.size(), 1u) << out.str();
  EXPECT_EQ(report.loaded_rows[0].loss, report.rows[0].loss);  // bits, not approximately
  EXPECT_NE(out.str().find("slowdown under --background-load 2"), std::string::npos) << out.str();
  EXPECT_THROW(parse_peer_list("pytorch,tensorrt"), UsageError);
  // Rounds repeat the quiet and loaded passes in turn; every round lands in the JSON.
  options.rounds = 2;
  options.json_path = temp_path("bench_model_rounds.json");
  std::ostringstream out2;
  const ModelBenchReport again = run_model_bench(options, out2);
  EXPECT_EQ(again.loaded_rows[0].loss, report.rows[0].loss);
  EXPECT_NE(out2.str().find("round 2 of 2"), std::string::npos) << out2.str();
  EXPECT_NE(out2.str().find("ratios over 2 rounds"), std::string::npos) << out2.str();
  const nlohmann::json j = nlohmann::json::parse(read_all(options.json_path));
  ASSERT_EQ(j["rounds"].size(), 2u);
  EXPECT_EQ(j["rounds"][1]["background_load"]["results"][0]["batch"], 2);
  EXPECT_GT(j["ratios"][1][0]["train_step_loaded_vs_quiet"].get<double>(), 0);
  std::remove(options.json_path.c_str());
  EXPECT_EQ(parse_peer_list("openvino,,pytorch,openvino"),
            (std::vector<std::string>{"openvino", "pytorch"}));
}

}  // namespace
}  // namespace tailor::bench
