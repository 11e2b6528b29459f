#include "pipeline/model_io/fine_tune.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "engine/io/checkpoint.h"
#include "engine/io/tflite.h"
#include "models/import/tflite_ssd_import.h"
#include "runtime/error.h"

namespace tailor::pipeline {
namespace {

const std::string kTflite =
    std::string(TAILOR_SHARED_DIR) + "/weights/ssd_mobilenet_v1_0.75_quant_coco/detect.tflite";

bool starts_with(const std::string& s, const std::string& p) {
  return s.rfind(p, 0) == 0;
}
bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

models::SsdConfig clothing_config(float depth) {
  models::SsdConfig c;
  c.num_classes = 9;
  c.depth_multiplier = depth;
  c.init_seed = 7;
  return c;
}

std::vector<float> values(const Tensor& t) {
  return t.contiguous().to_vector();
}

TEST(FineTune, TfliteRestoresBackboneAndBoxesButNotClasses) {
  models::SsdModel model(clothing_config(0.75f));
  models::SsdModel init(clothing_config(0.75f));  // same seed: the initializer values
  const FineTuneReport r = restore_fine_tune(model, kTflite);

  std::map<std::string, Tensor> file;
  for (const Tensor& t : models::import_tflite_ssd(io::TfliteModel::open(kTflite)).variables)
    file[t.name()] = t;

  int backbone = 0;
  for (const Parameter& p : model.params().all()) {
    if (starts_with(p.name, "FeatureExtractor/")) {
      ++backbone;
      EXPECT_EQ(values(p.value), values(file.at(p.name))) << p.name;
    } else if (contains(p.name, "BoxEncodingPredictor")) {
      EXPECT_EQ(values(p.value), values(file.at(p.name))) << p.name;
    } else if (contains(p.name, "ClassPredictor")) {
      EXPECT_EQ(values(p.value), values(init.params().at(p.name).value)) << p.name;
    }
  }
  EXPECT_GT(backbone, 100);
  EXPECT_EQ(r.backbone_restored, backbone);
  EXPECT_TRUE(r.missing.empty());
  ASSERT_EQ(r.mismatched.size(), 12u);  // 6 feature maps x (weights, biases)
  for (const std::string& m : r.mismatched) EXPECT_TRUE(contains(m, "/ClassPredictor/")) << m;
  // 91 COCO columns x 3 anchors in the file vs 10 x 3 in the model, for the first map.
  EXPECT_TRUE(contains(r.mismatched[0],
                       "BoxPredictor_0/ClassPredictor/weights: checkpoint "
                       "[1,1,384,273] vs model [1,1,384,30]"))
      << r.mismatched[0];
  EXPECT_EQ(r.restored.size() + r.mismatched.size(), model.params().size());

  const std::string text = format_fine_tune_report(r);
  EXPECT_TRUE(contains(text, "12 mismatched")) << text;
  EXPECT_TRUE(contains(text, "BoxPredictor_5/ClassPredictor/biases")) << text;
}

TEST(FineTune, ClassificationTypeRestoresOnlyTheBackbone) {
  models::SsdModel model(clothing_config(0.75f));
  models::SsdModel init(clothing_config(0.75f));
  const FineTuneReport r = restore_fine_tune(model, kTflite, "classification");
  EXPECT_EQ(static_cast<int>(r.restored.size()), r.backbone_restored);
  const char* box = "BoxPredictor_0/BoxEncodingPredictor/weights";
  EXPECT_EQ(values(model.params().at(box).value), values(init.params().at(box).value));
  EXPECT_THROW(restore_fine_tune(model, kTflite, "segmentation"), UserError);
}

TEST(FineTune, WrongDepthIsAnErrorNamingTheFile) {
  models::SsdModel model(clothing_config(1.0f));
  try {
    restore_fine_tune(model, kTflite);
    FAIL() << "a depth-1.0 model restored from a depth-0.75 file";
  } catch (const UserError& e) {
    EXPECT_TRUE(contains(e.what(), kTflite)) << e.what();
    EXPECT_TRUE(contains(e.what(), "none of the backbone")) << e.what();
  }
}

TEST(FineTune, SafetensorsRestoresOnlyModelVariables) {
  const std::string dir = std::string(TAILOR_BINARY_DIR) + "/test_scratch/model_io/fine_tune";
  std::filesystem::create_directories(dir);
  models::SsdConfig coco = clothing_config(0.25f);
  coco.num_classes = 20;
  coco.init_seed = 1;
  models::SsdModel source(coco);
  io::Checkpoint ckpt;
  for (const Parameter& p : source.params().all()) {
    Tensor t = p.value.clone();
    t.set_name(p.name);
    ckpt.tensors.push_back(t);
    Tensor slot = Tensor::full(p.value.shape(), 3.f);  // optimizer slots are not variables
    slot.set_name(p.name + "/RMSProp");
    ckpt.tensors.push_back(slot);
  }
  const std::string path = dir + "/coco20.safetensors";
  io::save_checkpoint(path, ckpt);

  models::SsdModel model(clothing_config(0.25f));
  const FineTuneReport r = restore_fine_tune(model, path);
  EXPECT_EQ(r.mismatched.size(), 12u);
  const char* conv = "FeatureExtractor/MobilenetV1/Conv2d_3_pointwise/weights";
  EXPECT_EQ(values(model.params().at(conv).value), values(source.params().at(conv).value));
  const char* mean = "FeatureExtractor/MobilenetV1/Conv2d_3_pointwise/BatchNorm/moving_mean";
  EXPECT_EQ(values(model.params().at(mean).value), values(source.params().at(mean).value));
}

TEST(FineTune, TfCheckpointMatchesByNameThenReadsTheShard) {
  // The index-only fixture lists exactly the 90-class depth-1.0 model's variables but has no
  // data shard: every name and shape matches, so the restore reaches the read and fails there.
  const std::string prefix = std::string(TAILOR_SHARED_DIR) +
                             "/fixtures/tf_checkpoints/ssd_mobilenet_v1_coco_2018_01_28_index_only/"
                             "model.ckpt";
  if (!std::filesystem::exists(prefix + ".index")) GTEST_SKIP() << prefix << " not present";
  models::SsdConfig c;
  models::SsdModel model(c);
  try {
    restore_fine_tune(model, prefix);
    FAIL();
  } catch (const UserError& e) {
    EXPECT_TRUE(contains(e.what(), "shard")) << e.what();
  }
  // A depth the checkpoint does not have: nothing matches, so it never reads a shard.
  c.depth_multiplier = 0.5f;
  models::SsdModel half(c);
  try {
    restore_fine_tune(half, prefix);
    FAIL();
  } catch (const UserError& e) {
    EXPECT_TRUE(contains(e.what(), "none of the backbone")) << e.what();
  }
}

}  // namespace
}  // namespace tailor::pipeline
