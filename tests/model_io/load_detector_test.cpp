#include "pipeline/model_io/load_detector.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "engine/io/checkpoint.h"
#include "engine/io/tflite.h"
#include "models/import/tflite_ssd_import.h"
#include "pipeline/model_io/model_config_json.h"
#include "runtime/error.h"

namespace tailor::pipeline {
namespace {

const std::string kWeights =
    std::string(TAILOR_SHARED_DIR) + "/weights/ssd_mobilenet_v1_0.75_quant_coco";

std::string scratch_path(const std::string& file) {
  const std::string dir = std::string(TAILOR_BINARY_DIR) + "/test_scratch/model_io/load";
  std::filesystem::create_directories(dir);
  return dir + "/" + file;
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

models::SsdConfig small_config() {
  models::SsdConfig c;
  c.num_classes = 3;
  c.depth_multiplier = 0.25f;
  c.image_height = c.image_width = 96;
  c.init_seed = 11;
  return c;
}

// A checkpoint as the trainer writes it: variables, RMSProp slots, EMA shadows, metadata.
io::Checkpoint train_style_checkpoint(const models::SsdModel& model) {
  io::Checkpoint ckpt;
  for (const Parameter& p : model.params().all()) {
    Tensor v = p.value.clone();
    v.set_name(p.name);
    ckpt.tensors.push_back(v);
    if (!p.trainable) continue;
    for (const char* slot : {"/RMSProp", "/RMSProp_1"}) {
      Tensor s = Tensor::full(p.value.shape(), 5.f);
      s.set_name(p.name + slot);
      ckpt.tensors.push_back(s);
    }
    Tensor ema = Tensor::full(p.value.shape(), 0.25f);
    ema.set_name(p.name + "/ExponentialMovingAverage");
    ckpt.tensors.push_back(ema);
  }
  ckpt.metadata[io::kMetaGlobalStep] = "1234";
  ckpt.metadata[io::kMetaModelConfig] = ssd_config_to_json(model.config());
  ckpt.metadata[io::kMetaLabelMap] =
      label_map_to_json(data::LabelMap({{1, "Jackets", ""}, {2, "Jeans", ""}, {3, "Shoes", ""}}));
  return ckpt;
}

TEST(LoadDetector, TfliteTakesTheFilesConfigWeightsAndPostProcess) {
  LoadDetectorOptions opt;
  opt.labels_path = kWeights + "/mscoco_label_map.pbtxt";
  const LoadedDetector d = load_detector(kWeights + "/detect.tflite", opt);
  EXPECT_EQ(d.model->config().num_classes, 90);
  EXPECT_FLOAT_EQ(d.model->config().depth_multiplier, 0.75f);
  EXPECT_EQ(d.labels.find_id(18)->display_name, "dog");
  EXPECT_EQ(d.global_step, -1);
  EXPECT_TRUE(d.fast_nms);
  EXPECT_EQ(d.max_classes_per_detection, 1);
  ASSERT_EQ(d.anchors.size(), 1917u);
  const auto imp = models::import_tflite_ssd(io::TfliteModel::open(kWeights + "/detect.tflite"));
  const models::BoxCorners first = models::to_corners(imp.anchors[0]);
  EXPECT_EQ(d.anchors[0].ymin, first.ymin);
  EXPECT_EQ(d.anchors[0].xmax, first.xmax);
  for (const Tensor& t : imp.variables)
    ASSERT_EQ(d.model->params().at(t.name()).value.to_vector(), t.to_vector()) << t.name();
}

TEST(LoadDetector, CheckpointUsesItsMetadataAndTheMovingAverages) {
  models::SsdModel source(small_config());
  const std::string path = scratch_path("ema.safetensors");
  io::save_checkpoint(path, train_style_checkpoint(source));

  const LoadedDetector d = load_detector(path);
  EXPECT_EQ(d.model->config().num_classes, 3);
  EXPECT_EQ(d.model->config().image_height, 96);
  EXPECT_FLOAT_EQ(d.model->config().depth_multiplier, 0.25f);
  EXPECT_EQ(d.labels.name_of(2), "Jeans");
  EXPECT_EQ(d.global_step, 1234);
  EXPECT_FALSE(d.fast_nms);
  EXPECT_TRUE(d.anchors.empty());
  for (const Parameter& p : d.model->params().all()) {
    const std::vector<float> got = p.value.to_vector();
    if (p.trainable)
      EXPECT_EQ(got, std::vector<float>(got.size(), 0.25f)) << p.name;  // the EMA shadow
    else
      EXPECT_EQ(got, source.params().at(p.name).value.to_vector()) << p.name;  // moving stats
  }

  LoadDetectorOptions raw;
  raw.use_moving_average = false;
  raw.labels_path = kWeights + "/labelmap.txt";  // --labels overrides the checkpoint's
  const LoadedDetector r = load_detector(path, raw);
  const char* w = "BoxPredictor_1/ClassPredictor/weights";
  EXPECT_EQ(r.model->params().at(w).value.to_vector(), source.params().at(w).value.to_vector());
  EXPECT_EQ(r.labels.name_of(1), "person");
}

TEST(LoadDetector, CheckpointErrorsNameTheFileAndVariable) {
  models::SsdModel source(small_config());
  io::Checkpoint ckpt = train_style_checkpoint(source);
  const std::string missing_var = scratch_path("missing_var.safetensors");
  const std::string dropped = ckpt.tensors.front().name();
  io::Checkpoint partial = ckpt;
  partial.tensors.erase(partial.tensors.begin());
  io::save_checkpoint(missing_var, partial);
  LoadDetectorOptions raw;
  raw.use_moving_average = false;
  try {
    load_detector(missing_var, raw);
    FAIL();
  } catch (const UserError& e) {
    EXPECT_TRUE(contains(e.what(), missing_var)) << e.what();
    EXPECT_TRUE(contains(e.what(), dropped)) << e.what();
  }

  io::Checkpoint bare = ckpt;
  bare.metadata.erase(io::kMetaModelConfig);
  const std::string no_config = scratch_path("no_config.safetensors");
  io::save_checkpoint(no_config, bare);
  try {
    load_detector(no_config);
    FAIL();
  } catch (const UserError& e) {
    EXPECT_TRUE(contains(e.what(), io::kMetaModelConfig)) << e.what();
  }
  const models::SsdConfig fallback = small_config();
  LoadDetectorOptions with_config;
  with_config.fallback_config = &fallback;
  EXPECT_EQ(load_detector(no_config, with_config).model->config().num_classes, 3);
}

TEST(LoadDetector, TfCheckpointNeedsAConfig) {
  const std::string prefix = std::string(TAILOR_SHARED_DIR) +
                             "/fixtures/tf_checkpoints/ssd_mobilenet_v1_coco_2018_01_28_index_only/"
                             "model.ckpt";
  if (!std::filesystem::exists(prefix + ".index")) GTEST_SKIP() << prefix << " not present";
  try {
    load_detector(prefix);
    FAIL();
  } catch (const UserError& e) {
    EXPECT_TRUE(contains(e.what(), "does not describe its model")) << e.what();
  }
}

}  // namespace
}  // namespace tailor::pipeline
