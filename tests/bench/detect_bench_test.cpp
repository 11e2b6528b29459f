// `tailor bench detect` on the shared COCO demo images with the shared TF Lite model: every
// stage is timed and the detections JSON lists each image. Skipped when shared/ lacks them.
#include "bench/detect_bench.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace tailor::bench {
namespace {

TEST(DetectBench, TimesEveryStageAndWritesDetections) {
  const std::string images = std::string(TAILOR_SHARED_DIR) + "/images/coco_demo";
  const std::string model =
      std::string(TAILOR_SHARED_DIR) + "/weights/ssd_mobilenet_v1_0.75_quant_coco/detect.tflite";
  if (!std::filesystem::exists(images) || !std::filesystem::exists(model))
    GTEST_SKIP() << "shared demo images or model missing";
  DetectBenchOptions options;
  options.images = images;
  options.model = model;
  options.warmup = 0;
  options.out = std::string(TAILOR_BINARY_DIR) + "/bench_detect_test.json";
  std::ostringstream out;
  const pipeline::DetectStageTimes times = run_detect_bench(options, out);
  EXPECT_EQ(times.images, 2);
  EXPECT_GT(times.decode_s, 0);
  EXPECT_GT(times.preprocess_s, 0);
  EXPECT_GT(times.model_s, 0);
  EXPECT_GT(times.nms_s, 0);
  EXPECT_NE(out.str().find("nms"), std::string::npos);
  std::ifstream f(options.out);
  const nlohmann::json j = nlohmann::json::parse(f);
  ASSERT_EQ(j["detections"].size(), 2u);
  EXPECT_TRUE(j["detections"][0].contains("image"));
  EXPECT_NEAR(j["stage_seconds"]["total"].get<double>(), times.total_s(), 1e-9);
  std::remove(options.out.c_str());
}

}  // namespace
}  // namespace tailor::bench
