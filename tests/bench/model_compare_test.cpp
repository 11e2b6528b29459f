// The model bench's ratios against the peers, per round and over rounds: computed from given
// rows and peer results, so exact.
#include "bench/model_compare.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

namespace tailor::bench {
namespace {

ModelBenchRow row(int batch, double forward_ms, double infer_ms, double train_ms) {
  ModelBenchRow r;
  r.batch = batch;
  r.forward_ms = forward_ms;
  r.infer_ms = infer_ms;
  r.train_step_ms = train_ms;
  return r;
}

// The peers' JSON as run_peers returns it: ONNX Runtime and OpenVINO rows by batch, PyTorch's.
nlohmann::json peers(double ort_forward, double ov_forward, double torch_train) {
  auto model = [](double forward, double train) {
    return nlohmann::json{{"model",
                           {{{"batch", 1},
                             {"infer_forward_ms", forward},
                             {"infer_ms", 2 * forward},
                             {"train_step_ms", train}}}}};
  };
  return {{"onnxruntime", model(ort_forward, 0)},
          {"openvino", model(ov_forward, 0)},
          {"pytorch", model(4 * ort_forward, torch_train)}};
}

// The summary's figures after `name` on its line (min, median, max, rounds), space separated.
std::string summary_row(const std::string& text, const std::string& name) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string batch, ratio, figures, w;
    if (!(words >> batch >> ratio) || ratio != name) continue;
    while (words >> w) figures += (figures.empty() ? "" : " ") + w;
    return figures;
  }
  return "(no row " + name + ")";
}

TEST(ModelCompare, RatiosTakeTheFasterRuntimeOfTheirOwnRound) {
  ModelBenchRound a, b;
  a.rows = {row(1, 12, 30, 50)};
  a.peers = peers(10, 8, 100);  // OpenVINO faster in this round
  b.rows = {row(1, 18, 30, 60)};
  b.peers = peers(12, 15, 100);  // ONNX Runtime faster in this one
  b.loaded_rows = {row(1, 20, 40, 75)};
  b.loaded_peers = peers(12, 15, 150);
  const nlohmann::json r = round_ratios({a, b});
  ASSERT_EQ(r.size(), 2u);
  EXPECT_DOUBLE_EQ(r[0][0]["forward_vs_faster_runtime"].get<double>(), 12.0 / 8);
  EXPECT_DOUBLE_EQ(r[0][0]["inference_vs_faster_runtime"].get<double>(), 30.0 / 16);
  EXPECT_DOUBLE_EQ(r[0][0]["train_step_vs_pytorch"].get<double>(), 0.5);
  EXPECT_FALSE(r[0][0].contains("train_step_loaded_vs_quiet"));  // no loaded pass in round a
  EXPECT_DOUBLE_EQ(r[1][0]["forward_vs_faster_runtime"].get<double>(), 18.0 / 12);
  EXPECT_DOUBLE_EQ(r[1][0]["train_step_loaded_vs_quiet"].get<double>(), 1.25);
  EXPECT_DOUBLE_EQ(r[1][0]["pytorch_train_step_loaded_vs_quiet"].get<double>(), 1.5);

  std::ostringstream out;
  print_round_summary(r, out);
  // forward: 1.5 and 1.5; training step: 0.5 and 0.6 (median 0.55); loaded: one round.
  EXPECT_NE(out.str().find("ratios over 2 rounds"), std::string::npos) << out.str();
  EXPECT_EQ(summary_row(out.str(), "train_step_vs_pytorch"), "0.50 0.55 0.60 2");
  EXPECT_EQ(summary_row(out.str(), "forward_vs_faster_runtime"), "1.50 1.50 1.50 2");
  EXPECT_EQ(summary_row(out.str(), "train_step_loaded_vs_quiet"), "1.25 1.25 1.25 1");
}

TEST(ModelCompare, MissingPeersLeaveTheirRatiosOut) {
  ModelBenchRound a;
  a.rows = {row(1, 12, 30, 50)};
  const nlohmann::json r = round_ratios({a});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0][0], (nlohmann::json{{"batch", 1}}));
}

}  // namespace
}  // namespace tailor::bench
