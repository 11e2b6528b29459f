#include "pipeline/config/tf_config_import.h"

#include <gtest/gtest.h>

#include "pipeline/config/pipeline_config.h"
#include "runtime/error.h"
#include "runtime/io/text_proto.h"
#include "tests/pipeline/test_util.h"

namespace tailor::pipeline {
using io::load_text_proto;
using io::parse_text_proto;
using io::TextProtoMessage;

namespace {

const std::string kTfConfig =
    std::string(TAILOR_SHARED_DIR) +
    "/fixtures/tf_checkpoints/ssd_mobilenet_v1_coco_2018_01_28_index_only/"
    "pipeline.config";

TEST(ProtoText, SyntaxVariants) {
  const TextProtoMessage m = parse_text_proto(
      "# comment\n"
      "item { id: 1 name: 'Jackets' }\n"
      "item: < id: 2; name: \"Je\" \"ans\\n\" >\n"
      "ratios: [1.0, 0.5] flag: true  # trailing\n"
      "nested { inner { x: -3e-2 } }\n",
      "t.pbtxt");
  ASSERT_EQ(m.all("item").size(), 2u);
  EXPECT_EQ(m.all("item")[0]->message->find("name")->value, "Jackets");
  EXPECT_EQ(m.all("item")[1]->message->find("name")->value, "Jeans\n");
  EXPECT_EQ(m.all("item")[1]->line, 3);
  ASSERT_EQ(m.all("ratios").size(), 2u);
  EXPECT_EQ(m.all("ratios")[1]->value, "0.5");
  EXPECT_EQ(m.find("flag")->value, "true");
  EXPECT_EQ(m.find("nested")->message->find("inner")->message->find("x")->value, "-3e-2");
  EXPECT_EQ(m.find("nested")->line, 5);
}

TEST(ProtoText, ErrorsHaveLines) {
  auto error_of = [](const std::string& text) {
    try {
      parse_text_proto(text, "t.pbtxt");
    } catch (const UserError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_NE(error_of("a {\n b: 1\n").find("t.pbtxt:3: unexpected end of file, expected '}'"),
            std::string::npos);
  EXPECT_NE(error_of("a: 'x\n").find("t.pbtxt:1: unterminated string"), std::string::npos);
  EXPECT_NE(error_of("a 1\n").find("expected ':' or '{' after a"), std::string::npos);
  EXPECT_NE(error_of("}\n").find("expected a field name"), std::string::npos);
}

TEST(ProtoText, SharedLabelMap) {
  const TextProtoMessage m =
      load_text_proto(std::string(TAILOR_SHARED_DIR) + "/data/label_map.pbtxt");
  ASSERT_EQ(m.all("item").size(), 9u);
  EXPECT_EQ(m.all("item")[8]->message->find("name")->value, "Tshirts");
}

TEST(TfConfigImport, ModelZooPipelineConfigLoads) {
  const TfImportResult r = import_tf_pipeline_config(kTfConfig);
  const std::string dir = testing::scratch_dir("tf_import");
  const PipelineConfig c =
      load_pipeline_config(testing::write_text(dir + "/imported.yaml", r.yaml));
  EXPECT_EQ(c.model.num_classes, 90);
  EXPECT_EQ(c.model.image_height, 300);
  EXPECT_FLOAT_EQ(c.model.depth_multiplier, 1.0f);
  EXPECT_FLOAT_EQ(c.model.loss.l2_weight, 4e-5f);
  EXPECT_FLOAT_EQ(c.model.head_init_stddev, 0.03f);
  EXPECT_FLOAT_EQ(c.model.batch_norm_decay, 0.9997f);
  EXPECT_EQ(c.model.anchors.aspect_ratios, (std::vector<float>{1.f, 2.f, .5f, 3.f, .3333f}));
  EXPECT_FLOAT_EQ(c.model.post_process.score_threshold, 0.3f);
  EXPECT_FLOAT_EQ(c.model.loss.hard_mining_iou, 0.99f);
  EXPECT_EQ(c.train.batch_size, 24);
  EXPECT_FLOAT_EQ(c.train.rms_prop.learning_rate.initial_learning_rate, 0.004f);
  EXPECT_EQ(c.train.rms_prop.learning_rate.decay_steps, 800720);
  EXPECT_FLOAT_EQ(c.train.rms_prop.learning_rate.decay_factor, 0.95f);
  EXPECT_TRUE(c.train.rms_prop.learning_rate.staircase);  // TF's default
  EXPECT_FLOAT_EQ(c.train.rms_prop.momentum, 0.9f);
  EXPECT_EQ(c.train.num_steps, 200000);
  ASSERT_EQ(c.train.augmentation.size(), 2u);
  EXPECT_EQ(c.train.augmentation[1].name, "ssd_random_crop");
  EXPECT_EQ(c.train.fine_tune_checkpoint_type, "detection");
  EXPECT_EQ(c.train_input.format, data::Format::kTfRecord);
  EXPECT_EQ(c.train_input.sources[0].path, dir + "/PATH_TO_BE_CONFIGURED/mscoco_train.record");
  ASSERT_TRUE(c.has_eval_input);
  EXPECT_FALSE(c.eval_input.shuffle);
  EXPECT_EQ(c.eval.max_images, 8000);
  // The floats come out as float-exact short decimals, not TF's double noise.
  EXPECT_NE(r.yaml.find("initial_learning_rate: 0.004\n"), std::string::npos) << r.yaml;
  // Settings Tailor lacks are reported, with their lines.
  auto has = [&](const std::string& s) {
    for (const auto& w : r.warnings)
      if (w.find(s) != std::string::npos) return true;
    return false;
  };
  EXPECT_TRUE(has("pipeline.config:169: eval_config.max_evals: 10 is not supported; dropped"));
  EXPECT_TRUE(has("eval_input_reader.num_readers: 1 is not supported"));
  EXPECT_TRUE(has("num_steps") == false);
  EXPECT_TRUE(has("fine_tune_checkpoint still says PATH_TO_BE_CONFIGURED"));
  for (const auto& w : r.warnings) EXPECT_EQ(w.find("model."), std::string::npos) << w;
}

TEST(TfConfigImport, UnsupportedSettingsWarn) {
  const TfImportResult r = import_tf_pipeline_config_text(
      "model { ssd { num_classes: 3 feature_extractor { type: 'ssd_resnet50' }\n"
      "  post_processing { score_converter: SOFTMAX } } }\n"
      "train_config { batch_size: 2 optimizer { adam_optimizer { } }\n"
      "  data_augmentation_options { random_black_patches { } }\n"
      "  data_augmentation_options { random_adjust_brightness { max_delta: 0.5 foo: 1 } } }\n"
      "train_input_reader { label_map_path: 'm.pbtxt' tf_record_input_reader { input_path: 'a' } "
      "}\n",
      "x.config");
  const std::string all = [&] {
    std::string s;
    for (const auto& w : r.warnings) s += w + "\n";
    return s;
  }();
  EXPECT_NE(all.find("x.config:1: model.ssd.feature_extractor.type: ssd_resnet50 is not supported"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("score_converter: SOFTMAX is not supported"), std::string::npos) << all;
  EXPECT_NE(all.find("train_config.optimizer.adam_optimizer is not supported"), std::string::npos);
  EXPECT_NE(all.find("random_black_patches is not supported"), std::string::npos);
  EXPECT_NE(all.find("random_adjust_brightness.foo: 1 is not supported"), std::string::npos) << all;
  EXPECT_NE(all.find("num_steps is 0"), std::string::npos);
  const std::string dir = testing::scratch_dir("tf_import2");
  const PipelineConfig c = load_pipeline_config(testing::write_text(dir + "/x.yaml", r.yaml));
  EXPECT_EQ(c.train.batch_size, 2);
  ASSERT_EQ(c.train.augmentation.size(), 1u);
  EXPECT_FLOAT_EQ(c.train.augmentation[0].param("max_delta"), 0.5f);
  EXPECT_FLOAT_EQ(c.train.rms_prop.learning_rate.initial_learning_rate, 0.002f);  // TF default
}

TEST(TfConfigImport, FreezeVariablesCarryOver) {
  const TfImportResult r = import_tf_pipeline_config_text(
      "model { ssd { num_classes: 3 } }\n"
      "train_config { batch_size: 2 num_steps: 10\n"
      "  freeze_variables: 'FeatureExtractor/MobilenetV1/Conv2d_0'\n"
      "  freeze_variables: 'BoxPredictor_5' }\n"
      "train_input_reader { label_map_path: 'm.pbtxt' tf_record_input_reader { input_path: 'a' } "
      "}\n",
      "x.config");
  for (const auto& w : r.warnings) EXPECT_EQ(w.find("freeze_variables"), std::string::npos) << w;
  const std::string dir = testing::scratch_dir("tf_import_freeze");
  const PipelineConfig c = load_pipeline_config(testing::write_text(dir + "/x.yaml", r.yaml));
  EXPECT_EQ(c.train.freeze_variables,
            (std::vector<std::string>{"FeatureExtractor/MobilenetV1/Conv2d_0", "BoxPredictor_5"}));
}

}  // namespace
}  // namespace tailor::pipeline
