#include "pipeline/config/model_config_yaml.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "models/model_summary.h"
#include "runtime/error.h"

namespace tailor::pipeline {
namespace {

std::string write_temp(const std::string& name, const std::string& text) {
  std::string path = std::string(TAILOR_BINARY_DIR) + "/" + name;
  std::ofstream(path) << text;
  return path;
}

std::string error_of(const std::string& yaml) {
  try {
    load_model_config(write_temp("model_config_yaml_test.yaml", yaml));
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

TEST(ModelConfigYaml, ShippedConfigIsTfSsdMobilenetV1Coco) {
  models::SsdConfig c =
      load_model_config(std::string(TAILOR_SOURCE_DIR) + "/configs/ssd_mobilenet_v1_coco.yaml");
  EXPECT_EQ(c.num_classes, 90);
  EXPECT_EQ(c.depth_multiplier, 1.0f);
  EXPECT_EQ(c.anchors.aspect_ratios, (std::vector<float>{1.f, 2.f, 0.5f, 3.f, 0.3333f}));
  EXPECT_FLOAT_EQ(c.post_process.score_threshold, 0.3f);
  EXPECT_FLOAT_EQ(c.loss.l2_weight, 4e-5f);
}

TEST(ModelConfigYaml, DefaultsAndOverrides) {
  models::SsdConfig c = load_model_config(write_temp(
      "model_config_yaml_ok.yaml",
      "train: {steps: 3}\nmodel:\n  ssd:\n    num_classes: 9\n    depth_multiplier: 0.75\n"
      "    matcher: {matched_threshold: 0.6}\n"));
  EXPECT_EQ(c.num_classes, 9);
  EXPECT_EQ(c.depth_multiplier, 0.75f);
  EXPECT_FLOAT_EQ(c.matcher.matched_threshold, 0.6f);
  EXPECT_EQ(c.image_height, 300);  // default
}

TEST(ModelConfigYaml, ErrorsNameKeyAndLine) {
  EXPECT_NE(
      error_of("model:\n  ssd:\n    num_clases: 3\n").find(":3: unknown key model.ssd.num_clases"),
      std::string::npos);
  EXPECT_NE(error_of("model:\n  ssd:\n    anchors:\n      min_scale: abc\n")
                .find(":4: model.ssd.anchors.min_scale must be a number"),
            std::string::npos);
  EXPECT_NE(error_of("model:\n  ssd:\n    num_classes: 2.5\n")
                .find("model.ssd.num_classes must be an integer"),
            std::string::npos);
  EXPECT_NE(error_of("model:\n  ssd:\n    image_height: 20\n").find("image_height must be >= 33"),
            std::string::npos);
  EXPECT_NE(error_of("data: {}\n").find("missing top-level key 'model'"), std::string::npos);
  EXPECT_NE(error_of("model: [1\n").find("invalid YAML"), std::string::npos);
  EXPECT_THROW(load_model_config("/nonexistent/tailor.yaml"), UserError);
}

TEST(ModelSummary, ParameterListAndAnchorsCsv) {
  models::SsdConfig c;
  std::ostringstream params, anchors, summary;
  models::print_parameters(c, params);
  models::print_anchors_csv(c, anchors);
  models::print_summary(c, summary);
  EXPECT_EQ(params.str().substr(0, params.str().find('\n')),
            "FeatureExtractor/MobilenetV1/Conv2d_0/weights\tfloat32\t[3,3,3,32]");
  std::istringstream lines(anchors.str());
  std::string line;
  std::getline(lines, line);
  EXPECT_EQ(line, "ycenter,xcenter,height,width");
  int rows = 0;
  while (std::getline(lines, line)) ++rows;
  EXPECT_EQ(rows, 1917);
  EXPECT_NE(summary.str().find("total: 6,845,183 parameters"), std::string::npos);
  EXPECT_NE(summary.str().find("2,474,258,816 FLOPs"), std::string::npos);
}

}  // namespace
}  // namespace tailor::pipeline
