// The main job end to end through the `tailor` binary, as a user runs it: train 20 steps on a
// tiny subset, evaluate the checkpoint, detect on an image. Exit codes and outputs are checked.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/support/cli.h"
#include "tests/train/tiny_run.h"

namespace tailor {
namespace {

namespace fs = std::filesystem;

using testing::run_tailor;
using testing::slurp;

TEST(CliSmoke, TrainEvaluateDetect) {
  const std::string dir = testing::tiny_scratch("cli_smoke");
  const std::string voc = testing::make_tiny_voc(dir, 8);
  const std::string cfg = testing::tiny_config(dir, 20, 10);

  ASSERT_EQ(run_tailor("train --config " + cfg, dir + "/train.log"), 0)
      << slurp(dir + "/train.log");
  const std::string ckpt = dir + "/run/ckpt-20.safetensors";
  ASSERT_TRUE(fs::exists(ckpt)) << slurp(dir + "/train.log");
  EXPECT_TRUE(fs::exists(dir + "/run/metrics.csv"));

  ASSERT_EQ(run_tailor("eval --config " + cfg + " --checkpoint " + ckpt + " --out " + dir + "/eval",
                       dir + "/eval.log"),
            0)
      << slurp(dir + "/eval.log");
  EXPECT_NE(slurp(dir + "/eval.log").find("mAP"), std::string::npos) << slurp(dir + "/eval.log");

  const std::string image =
      voc + "/images/" +
      fs::path(fs::directory_iterator(voc + "/images")->path()).filename().string();
  ASSERT_EQ(
      run_tailor("detect --model " + ckpt + " --out " + dir + "/detect --threshold 0 " + image,
                 dir + "/detect.log"),
      0)
      << slurp(dir + "/detect.log");
  const std::string stem = fs::path(image).stem().string();
  const nlohmann::json j = nlohmann::json::parse(slurp(dir + "/detect/" + stem + ".json"));
  EXPECT_EQ(j.at("image").get<std::string>(), image);
  EXPECT_GT(j.at("width").get<int>(), 0);
  EXPECT_TRUE(j.at("detections").is_array());
  EXPECT_TRUE(fs::exists(dir + "/detect/" + stem + ".jpg"));

  // Resuming a finished run with more steps continues from its last checkpoint.
  ASSERT_EQ(run_tailor("train --config " + cfg + " --steps 25 --resume", dir + "/resume.log"), 0)
      << slurp(dir + "/resume.log");
  EXPECT_TRUE(fs::exists(dir + "/run/ckpt-25.safetensors"));
  EXPECT_NE(slurp(dir + "/resume.log").find("resumed from"), std::string::npos);
}

TEST(CliSmoke, BadConfigIsAUserErrorNamingTheKey) {
  const std::string dir = testing::tiny_scratch("cli_bad");
  std::ofstream(dir + "/bad.yaml") << "model:\n  ssd:\n    num_classes: nine\n";
  EXPECT_EQ(run_tailor("train --config " + dir + "/bad.yaml", dir + "/log"), 1);
  EXPECT_NE(slurp(dir + "/log").find("num_classes"), std::string::npos) << slurp(dir + "/log");
}

}  // namespace
}  // namespace tailor
