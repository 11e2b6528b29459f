// The main job end to end through the `tailor` binary, as a user runs it: train 20 steps on a
// tiny subset, evaluate the checkpoint, detect on an image. Exit codes and outputs are checked.
#include <gtest/gtest.h>

#include <algorithm>
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

TEST(CliSmoke, AutoboxWritesReviewableVocAndEvalTagsTheCatalogue) {
  const std::string dir = testing::tiny_scratch("cli_autobox");
  testing::make_tiny_voc(dir, 6);
  const std::string catalog = testing::make_tiny_catalog(dir, 10);
  const std::string cfg = testing::tiny_config(dir, 10, 10);
  ASSERT_EQ(run_tailor("train --config " + cfg, dir + "/train.log"), 0)
      << slurp(dir + "/train.log");
  const std::string ckpt = dir + "/run/ckpt-10.safetensors";
  // A threshold of 0 boxes every image: the untrained model's best box of the class.
  ASSERT_EQ(run_tailor("data autobox catalog " + catalog + ":train --model " + ckpt +
                           " --min-score 0 --out " + dir + "/boxed",
                       dir + "/autobox.log"),
            0)
      << slurp(dir + "/autobox.log");
  EXPECT_NE(slurp(dir + "/autobox.log").find("boxed 10 of 10 images"), std::string::npos)
      << slurp(dir + "/autobox.log");
  EXPECT_TRUE(fs::exists(dir + "/boxed/contact_sheet_001.jpg"));
  const std::string csv = slurp(dir + "/boxed/autobox.csv");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 11) << csv;
  // The VOC it wrote reads back with one box of the image's class.
  ASSERT_EQ(run_tailor("data stats voc " + dir + "/boxed --json", dir + "/stats.log"), 0);
  const nlohmann::json stats = nlohmann::json::parse(slurp(dir + "/stats.log"));
  EXPECT_EQ(stats.at("images").get<int>(), 10);
  EXPECT_EQ(stats.at("boxes").get<int>(), 10);
  // Nothing qualifies at 1.0: every image is listed as refused, none silently dropped.
  ASSERT_EQ(run_tailor("data autobox catalog " + catalog + ":train --model " + ckpt +
                           " --min-score 1 --out " + dir + "/none",
                       dir + "/none.log"),
            0)
      << slurp(dir + "/none.log");
  EXPECT_NE(slurp(dir + "/none/autobox.csv").find(",no box: best "), std::string::npos);
  // A box-labelled set is refused with the file named.
  EXPECT_EQ(run_tailor("data autobox voc " + dir + "/voc --model " + ckpt + " --out " + dir + "/x",
                       dir + "/voc.log"),
            1);
  EXPECT_NE(slurp(dir + "/voc.log").find("has boxes, not an image-level label"), std::string::npos)
      << slurp(dir + "/voc.log");
  // eval --data takes the catalogue without --format (labels.csv says what it is).
  ASSERT_EQ(run_tailor("eval --config " + cfg + " --checkpoint " + ckpt + " --data " + catalog +
                           ":train --out " + dir + "/eval",
                       dir + "/eval.log"),
            0)
      << slurp(dir + "/eval.log");
  EXPECT_NE(slurp(dir + "/eval.log").find("top-1 confusion matrix:"), std::string::npos);
  EXPECT_TRUE(fs::exists(dir + "/eval/confusion_catalog_train.png"));
}

TEST(CliSmoke, BadConfigIsAUserErrorNamingTheKey) {
  const std::string dir = testing::tiny_scratch("cli_bad");
  std::ofstream(dir + "/bad.yaml") << "model:\n  ssd:\n    num_classes: nine\n";
  EXPECT_EQ(run_tailor("train --config " + dir + "/bad.yaml", dir + "/log"), 1);
  EXPECT_NE(slurp(dir + "/log").find("num_classes"), std::string::npos) << slurp(dir + "/log");
}

}  // namespace
}  // namespace tailor
