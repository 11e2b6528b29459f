#include "models/import/tflite_ssd_import.h"

#include <gtest/gtest.h>

#include <cstring>
#include <map>

#include "models/anchor_generator.h"
#include "models/ssd_architecture.h"

namespace tailor::models {
namespace {

const io::TfliteModel& model() {
  static const io::TfliteModel m = io::TfliteModel::open(
      std::string(TAILOR_SHARED_DIR) + "/weights/ssd_mobilenet_v1_0.75_quant_coco/detect.tflite");
  return m;
}

const TfliteSsdImport& imported() {
  static const TfliteSsdImport i = import_tflite_ssd(model());
  return i;
}

std::map<std::string, Tensor> by_name() {
  std::map<std::string, Tensor> out;
  for (const Tensor& t : imported().variables) out[t.name()] = t;
  return out;
}

float raw_dequantized(const std::string& tflite_name, int64_t index) {
  const int i = model().find(tflite_name);
  EXPECT_GE(i, 0) << tflite_name;
  const auto& q = model().tensors()[i].quantization;
  return (static_cast<uint8_t>(model().data(i)[index]) - q.zero_point[0]) * q.scale[0];
}

TEST(TfliteSsdImport, ConfigFromTheFile) {
  const SsdConfig& c = imported().config;
  EXPECT_FLOAT_EQ(c.depth_multiplier, 0.75f);
  EXPECT_EQ(c.num_classes, 90);
  EXPECT_FLOAT_EQ(c.box_coder.y_scale, 10.f);
  EXPECT_FLOAT_EQ(c.box_coder.width_scale, 5.f);
  EXPECT_FLOAT_EQ(c.post_process.iou_threshold, 0.6f);
  EXPECT_EQ(c.post_process.max_total_detections, 10);
}

TEST(TfliteSsdImport, EveryVariableWithItsShape) {
  const auto specs = parameter_specs(build_ssd_architecture(imported().config));
  ASSERT_EQ(imported().variables.size(), specs.size());
  for (size_t k = 0; k < specs.size(); ++k) {
    EXPECT_EQ(imported().variables[k].name(), specs[k].name);
    EXPECT_EQ(imported().variables[k].shape(), specs[k].shape) << specs[k].name;
  }
  auto v = by_name();
  EXPECT_EQ(v.at("FeatureExtractor/MobilenetV1/Conv2d_0/weights").shape(), (Shape{3, 3, 3, 24}));
  EXPECT_EQ(v.at("FeatureExtractor/MobilenetV1/Conv2d_1_depthwise/depthwise_weights").shape(),
            (Shape{3, 3, 24, 1}));
  EXPECT_EQ(v.at("FeatureExtractor/MobilenetV1/Conv2d_13_pointwise/weights").shape(),
            (Shape{1, 1, 768, 768}));
  EXPECT_EQ(
      v.at("FeatureExtractor/MobilenetV1/Conv2d_13_pointwise_2_Conv2d_5_3x3_s2_96/weights").shape(),
      (Shape{3, 3, 48, 96}));
  EXPECT_EQ(v.at("BoxPredictor_0/ClassPredictor/weights").shape(), (Shape{1, 1, 384, 273}));
  EXPECT_EQ(v.at("BoxPredictor_5/BoxEncodingPredictor/biases").shape(), (Shape{24}));
}

TEST(TfliteSsdImport, TransposesAndDequantizesByHand) {
  auto v = by_name();
  // Conv2d_0: TF Lite OHWI [24,3,3,3] -> HWIO [3,3,3,24]; element (h=1, w=2, i=0, o=5).
  const Tensor w0 = v.at("FeatureExtractor/MobilenetV1/Conv2d_0/weights");
  const int64_t h = 1, w = 2, i = 0, o = 5;
  EXPECT_FLOAT_EQ(w0.data<float>()[((h * 3 + w) * 3 + i) * 24 + o],
                  raw_dequantized("FeatureExtractor/MobilenetV1/MobilenetV1/Conv2d_0/weights_quant/"
                                  "FakeQuantWithMinMaxVars",
                                  ((o * 3 + h) * 3 + w) * 3 + i));
  // Depthwise [1,3,3,24] keeps its memory order as [3,3,24,1].
  const Tensor dw = v.at("FeatureExtractor/MobilenetV1/Conv2d_1_depthwise/depthwise_weights");
  EXPECT_FLOAT_EQ(dw.data<float>()[(2 * 3 + 1) * 24 + 7],
                  raw_dequantized("FeatureExtractor/MobilenetV1/MobilenetV1/Conv2d_1_depthwise/"
                                  "weights_quant/FakeQuantWithMinMaxVars",
                                  (2 * 3 + 1) * 24 + 7));
  // Class predictor [273,1,1,384] -> [1,1,384,273]; element (i=100, o=272).
  const Tensor cp = v.at("BoxPredictor_0/ClassPredictor/weights");
  EXPECT_FLOAT_EQ(
      cp.data<float>()[100 * 273 + 272],
      raw_dequantized("BoxPredictor_0/ClassPredictor/weights_quant/FakeQuantWithMinMaxVars",
                      272 * 384 + 100));
  // Folded biases become BN beta; int32 q * scale.
  const int b = model().find("FeatureExtractor/MobilenetV1/MobilenetV1/Conv2d_0/Conv2D_Fold_bias");
  int32_t q;
  std::memcpy(&q, model().data(b).data() + 4 * 3, 4);
  EXPECT_FLOAT_EQ(v.at("FeatureExtractor/MobilenetV1/Conv2d_0/BatchNorm/beta").data<float>()[3],
                  q * model().tensors()[b].quantization.scale[0]);
}

TEST(TfliteSsdImport, BatchNormIsTheIdentity) {
  auto v = by_name();
  const float eps = imported().config.batch_norm_epsilon;
  const std::string bn = "FeatureExtractor/MobilenetV1/Conv2d_7_pointwise/BatchNorm/";
  const Tensor var = v.at(bn + "moving_variance");
  EXPECT_EQ(var.data<float>()[0] + eps, 1.f);  // exactly: sqrt(var + eps) == 1
  for (float g : v.at(bn + "gamma").to_vector()) EXPECT_EQ(g, 1.f);
  for (float m : v.at(bn + "moving_mean").to_vector()) EXPECT_EQ(m, 0.f);
}

TEST(TfliteSsdImport, AnchorsMatchTheAnchorGenerator) {
  const SsdConfig& c = imported().config;
  const auto arch = build_ssd_architecture(c);
  const auto ours = generate_ssd_anchor_centers(c.anchors, arch.feature_maps, 300, 300);
  const auto& theirs = imported().anchors;
  ASSERT_EQ(theirs.size(), 1917u);
  ASSERT_EQ(ours.size(), theirs.size());
  const int a = model().find("anchors");
  const float tol = model().tensors()[a].quantization.scale[0] / 2 + 1e-5f;
  for (size_t k = 0; k < ours.size(); ++k) {
    ASSERT_NEAR(theirs[k].ycenter, ours[k].ycenter, tol) << k;
    ASSERT_NEAR(theirs[k].xcenter, ours[k].xcenter, tol) << k;
    ASSERT_NEAR(theirs[k].height, ours[k].height, tol) << k;
    ASSERT_NEAR(theirs[k].width, ours[k].width, tol) << k;
  }
}

}  // namespace
}  // namespace tailor::models
