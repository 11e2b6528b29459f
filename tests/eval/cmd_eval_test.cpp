// `tailor eval` through the binary: --watch over a finished run (TensorBoard events and
// metrics.csv per checkpoint, earlier results skipped), --data overrides, and exit codes of
// command-line mistakes.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "pipeline/logging/event_writer.h"
#include "pipeline/logging/metrics_csv.h"
#include "tests/support/cli.h"
#include "tests/train/tiny_run.h"

namespace tailor {
namespace {

namespace fs = std::filesystem;

using testing::run_tailor;
using testing::slurp;

class CmdEval : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(std::string(TAILOR_BINARY_DIR) + "/app/tailor"))
      GTEST_SKIP() << "the tailor binary is not built";
  }
};

TEST_F(CmdEval, WatchEvaluatesEveryCheckpointOfAFinishedRun) {
  const std::string dir = testing::tiny_scratch("cmd_eval_watch");
  testing::make_tiny_voc(dir, 4);
  const std::string cfg = testing::tiny_config(dir, 4, 2);
  ASSERT_EQ(run_tailor("train --config " + cfg, dir + "/train.log"), 0)
      << slurp(dir + "/train.log");
  // The trainer's own end-of-run eval may already have logged; only eval's outputs count here.
  const std::string eval_dir = dir + "/run/eval";
  fs::remove_all(eval_dir);

  ASSERT_EQ(run_tailor("eval --config " + cfg + " --watch --poll-seconds 0.2", dir + "/watch.log"),
            0)
      << slurp(dir + "/watch.log");
  const std::string log = slurp(dir + "/watch.log");
  EXPECT_NE(log.find("is done; 2 checkpoint(s) evaluated"), std::string::npos) << log;
  for (const char* stem : {"ckpt-2", "ckpt-4"}) {
    const auto m = nlohmann::json::parse(slurp(eval_dir + "/" + stem + "/metrics.json"));
    EXPECT_EQ(m["all"]["num_images"], 4);
    EXPECT_TRUE(fs::exists(eval_dir + "/" + stem + "/detections_voc_train.json"));
  }
  const pipeline::MetricsTable csv = pipeline::read_metrics_csv(eval_dir + "/metrics.csv");
  ASSERT_EQ(csv.rows.size(), 2u);
  EXPECT_EQ(csv.rows[0].step, 2);
  EXPECT_EQ(csv.rows[1].step, 4);
  EXPECT_EQ(csv.rows[1].values.count("eval/all/mAP@0.5"), 1u);
  int events = 0;
  for (const auto& e : fs::directory_iterator(eval_dir))
    if (e.path().filename().string().rfind("events.out.tfevents.", 0) == 0) {
      const pipeline::EventFileContents c = pipeline::read_event_file(e.path().string());
      for (const pipeline::ScalarEvent& s : c.scalars) events += s.tag == "eval/voc_train/mAP@0.5";
    }
  EXPECT_EQ(events, 2);

  // A second watch finds both evaluated and keeps the table.
  ASSERT_EQ(run_tailor("eval --config " + cfg + " --watch", dir + "/again.log"), 0);
  EXPECT_NE(slurp(dir + "/again.log").find("ckpt-4.safetensors already evaluated"),
            std::string::npos);
  EXPECT_EQ(pipeline::read_metrics_csv(eval_dir + "/metrics.csv").rows.size(), 2u);

  // --data replaces eval_input; a run folder as --checkpoint means its newest checkpoint.
  ASSERT_EQ(run_tailor("eval --config " + cfg + " --checkpoint " + dir + "/run --data " +
                           std::string(TAILOR_SHARED_DIR) +
                           "/data/myntra:test --max-images 2 --out " + dir + "/one",
                       dir + "/one.log"),
            0)
      << slurp(dir + "/one.log");
  const auto m = nlohmann::json::parse(slurp(dir + "/one/metrics.json"));
  EXPECT_EQ(m["step"], 4);
  EXPECT_EQ(m["sources"][0]["slug"], "myntra_test");
  EXPECT_EQ(m["all"]["num_images"], 2);
  EXPECT_NE(slurp(dir + "/one.log").find("== "), std::string::npos);
}

TEST_F(CmdEval, CommandLineMistakes) {
  const std::string dir = testing::tiny_scratch("cmd_eval_errors");
  const std::string cfg = testing::tiny_config(dir, 4, 2);
  EXPECT_EQ(run_tailor("eval --config " + cfg, dir + "/a.log"), 2) << slurp(dir + "/a.log");
  EXPECT_NE(slurp(dir + "/a.log").find("--checkpoint is required"), std::string::npos);
  EXPECT_EQ(run_tailor("eval --config " + cfg + " --checkpoint " + dir + "/missing.safetensors",
                       dir + "/b.log"),
            1);
  EXPECT_NE(slurp(dir + "/b.log").find("missing.safetensors: no such checkpoint"),
            std::string::npos)
      << slurp(dir + "/b.log");
  EXPECT_EQ(
      run_tailor("eval --config " + cfg + " --checkpoint x --data y --format nope", dir + "/c.log"),
      2);
  EXPECT_EQ(run_tailor("eval --config " + cfg + " --checkpoint x --batch-size 0", dir + "/d.log"),
            2);
  fs::create_directories(dir + "/empty_run");
  EXPECT_EQ(
      run_tailor("eval --config " + cfg + " --checkpoint " + dir + "/empty_run", dir + "/e.log"),
      1);
  EXPECT_NE(slurp(dir + "/e.log").find("no checkpoint"), std::string::npos)
      << slurp(dir + "/e.log");
}

}  // namespace
}  // namespace tailor
