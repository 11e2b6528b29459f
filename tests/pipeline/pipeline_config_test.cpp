#include "pipeline/config/pipeline_config.h"

#include <gtest/gtest.h>

#include "pipeline/config/model_config_yaml.h"
#include "runtime/error.h"
#include "tests/pipeline/test_util.h"

namespace tailor::pipeline {
namespace {

using testing::scratch_dir;
using testing::write_text;

const std::string kSource = TAILOR_SOURCE_DIR;

// A minimal valid config; tests splice lines into it.
std::string minimal(const std::string& train_extra = "", const std::string& rms_extra = "") {
  return "model:\n"
         "  ssd:\n"
         "    num_classes: 9\n"
         "train:\n"
         "  batch_size: 4\n"
         "  num_steps: 100\n" +
         train_extra +
         "  optimizer:\n"
         "    rms_prop:\n"
         "      learning_rate:\n"
         "        exponential_decay: {initial_learning_rate: 0.01}\n" +
         rms_extra +
         "train_input:\n"
         "  format: voc\n"
         "  paths: [data/ccp:train]\n"
         "  label_map: data/label_map.pbtxt\n";
}

std::string error_of(const std::string& yaml) {
  // One folder per test: ctest runs the tests that call this in parallel processes.
  const std::string dir =
      scratch_dir(std::string("config_errors_") +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name());
  try {
    load_pipeline_config(write_text(dir + "/c.yaml", yaml));
  } catch (const UserError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(PipelineConfig, ReferenceConfigReproducesReferencePipeline) {
  const PipelineConfig c =
      load_pipeline_config(kSource + "/configs/ssd_mobilenet_v1_clothing_reference.yaml");
  EXPECT_EQ(c.model.image_height, 300);
  EXPECT_EQ(c.model.image_width, 300);
  EXPECT_EQ(c.train.num_steps, 10000);
  EXPECT_FALSE(c.train.use_moving_average);
  EXPECT_EQ(c.model.num_classes, 9);
  EXPECT_FLOAT_EQ(c.model.depth_multiplier, 0.75f);
  EXPECT_EQ(c.train.batch_size, 10);
  const auto& lr = c.train.rms_prop.learning_rate;
  EXPECT_FLOAT_EQ(lr.initial_learning_rate, 0.004f);
  EXPECT_EQ(lr.decay_steps, 800720);
  EXPECT_FLOAT_EQ(lr.decay_factor, 0.95f);
  EXPECT_TRUE(lr.staircase);
  EXPECT_FLOAT_EQ(c.train.rms_prop.momentum, 0.9f);
  EXPECT_FLOAT_EQ(c.train.rms_prop.decay, 0.9f);
  EXPECT_FLOAT_EQ(c.train.rms_prop.epsilon, 1.0f);
  ASSERT_EQ(c.train.augmentation.size(), 2u);
  EXPECT_EQ(c.train.augmentation[0].name, "random_horizontal_flip");
  EXPECT_FLOAT_EQ(c.train.augmentation[0].param("probability"), 0.5f);
  EXPECT_EQ(c.train.augmentation[1].name, "ssd_random_crop");
  // Relative paths resolve against configs/, so they land in the shared folder.
  const std::string shared =
      std::filesystem::path(kSource + "/../shared").lexically_normal().string();
  EXPECT_EQ(c.train.fine_tune_checkpoint,
            shared + "/weights/ssd_mobilenet_v1_0.75_quant_coco/detect.tflite");
  EXPECT_TRUE(std::filesystem::exists(c.train.fine_tune_checkpoint));
  ASSERT_EQ(c.train_input.sources.size(), 2u);
  EXPECT_EQ(c.train_input.sources[0].path, shared + "/data/ccp");
  EXPECT_EQ(c.train_input.sources[0].splits, std::vector<std::string>{"train"});
  EXPECT_EQ(c.train_input.sources[1].name, "myntra:train");
  for (const auto& s : c.train_input.sources)
    EXPECT_TRUE(std::filesystem::exists(s.path + "/train.txt")) << s.path;
  EXPECT_EQ(c.train_input.label_map, shared + "/data/label_map.pbtxt");
  ASSERT_TRUE(c.has_eval_input);
  ASSERT_EQ(c.eval_input.sources.size(), 3u);
  // The Dataturks export's VOC XML files (read by tag name; their bndbox order is unusual).
  EXPECT_EQ(c.eval_input.sources[2].format, data::Format::kVoc);
  EXPECT_EQ(c.eval_input.sources[2].name, "dataturks_val:val");
  for (const auto& s : c.eval_input.sources)
    for (const auto& split : s.splits)
      EXPECT_NE(split, "test") << "held-out data must not be used for tuning";
  EXPECT_EQ(c.eval.metrics.size(), 3u);
}

TEST(PipelineConfig, RecipeAddsTheCatalogueAndKeepsTestSplitsOut) {
  const PipelineConfig c =
      load_pipeline_config(kSource + "/configs/ssd_mobilenet_v1_clothing.yaml");
  EXPECT_EQ(c.train.batch_size, 10);
  EXPECT_EQ(c.train.rms_prop.schedule, LearningRateSchedule::kCosineDecay);
  EXPECT_EQ(c.train.rms_prop.cosine_decay.total_steps, c.train.num_steps);
  // The stem keeps its COCO weights (bench/RESULTS.md: 13000 frozen steps beat 10000 unfrozen).
  EXPECT_EQ(c.train.freeze_variables,
            std::vector<std::string>{"FeatureExtractor/MobilenetV1/Conv2d_[0-3][_/]"});
  // TF's photometric distortions (bench/RESULTS.md: higher catalog:val and all-val mAP@0.5).
  std::vector<std::string> augmentations;
  for (const auto& a : c.train.augmentation) augmentations.push_back(a.name);
  EXPECT_EQ(augmentations,
            (std::vector<std::string>{"random_horizontal_flip", "ssd_random_crop",
                                      "random_adjust_brightness", "random_adjust_contrast",
                                      "random_adjust_saturation"}));
  bool catalog = false;
  for (const auto& s : c.train_input.sources) {
    catalog |= s.format == data::Format::kCatalog;
    EXPECT_NE(s.name.find("dataturks"), 0u) << "dataturks_val is validation-only";
    for (const auto& split : s.splits) EXPECT_EQ(split, "train");
  }
  EXPECT_TRUE(catalog);
  for (const auto& s : c.eval_input.sources)
    for (const auto& split : s.splits)
      EXPECT_NE(split, "test") << "held-out data must not be used for tuning";
}

TEST(PipelineConfig, CocoModelConfigParses) {
  const models::SsdConfig m = load_model_config(kSource + "/configs/ssd_mobilenet_v1_coco.yaml");
  EXPECT_EQ(m.num_classes, 90);
  // It holds only the model, so as a run config it lacks the train section.
  EXPECT_NE(error_of(testing::read_text(kSource + "/configs/ssd_mobilenet_v1_coco.yaml"))
                .find("missing required key train"),
            std::string::npos);
}

TEST(PipelineConfig, DefaultsAndResolution) {
  const std::string dir = scratch_dir("config_defaults");
  const PipelineConfig c = load_pipeline_config(write_text(dir + "/run.yaml", minimal()));
  EXPECT_EQ(c.train.output_dir, dir + "/runs/run");
  EXPECT_EQ(c.train_input.sources[0].path, dir + "/data/ccp");
  EXPECT_EQ(c.train.rms_prop.learning_rate.decay_steps, 800720);
  EXPECT_FLOAT_EQ(c.train.rms_prop.epsilon, 1.0f);
  EXPECT_EQ(c.train.device, Device::kCpu);
  EXPECT_FALSE(c.has_eval_input);
  EXPECT_EQ(c.eval.metrics, std::vector<Metric>{Metric::kVocAp});
  EXPECT_EQ(c.conv_impl.depthwise, kernels::cuda::ConvImpl::Auto);
  EXPECT_EQ(c.train_input.repeat_factor_threshold, 0.0);  // sampling off
}

TEST(PipelineConfig, RepeatFactorThreshold) {
  const std::string dir = scratch_dir("config_repeat_factor");
  const PipelineConfig c = load_pipeline_config(
      write_text(dir + "/run.yaml", minimal() + "  repeat_factor_threshold: 0.15\n"));
  EXPECT_DOUBLE_EQ(c.train_input.repeat_factor_threshold, 0.15);
  const std::string e = error_of(minimal() + "  repeat_factor_threshold: 2\n");
  EXPECT_NE(e.find(":15: train_input.repeat_factor_threshold must be between 0 (off) and 1"),
            std::string::npos)
      << e;
}

TEST(PipelineConfig, FreezeVariables) {
  const std::string dir = scratch_dir("config_freeze_variables");
  const PipelineConfig c = load_pipeline_config(
      write_text(dir + "/run.yaml",
                 minimal("  freeze_variables: ['FeatureExtractor/MobilenetV1/Conv2d_[0-3][_/]', "
                         "BoxPredictor_5]\n")));
  EXPECT_EQ(c.train.freeze_variables,
            (std::vector<std::string>{"FeatureExtractor/MobilenetV1/Conv2d_[0-3][_/]",
                                      "BoxPredictor_5"}));
  EXPECT_TRUE(load_pipeline_config(write_text(dir + "/plain.yaml", minimal()))
                  .train.freeze_variables.empty());
  std::string e = error_of(minimal("  freeze_variables: ['Conv2d_(0']\n"));
  EXPECT_NE(e.find(":7: train.freeze_variables entry 0 'Conv2d_(0' is not a regular expression"),
            std::string::npos)
      << e;
  e = error_of(minimal("  freeze_variables: [Conv2d_0, '']\n"));
  EXPECT_NE(e.find(":7: train.freeze_variables entry 1 '' is empty"), std::string::npos) << e;
}

TEST(PipelineConfig, SourceSpecs) {
  std::string dir;
  std::vector<std::string> splits;
  ASSERT_TRUE(data::split_path_spec("../d/ccp:train,val", &dir, &splits));
  EXPECT_EQ(dir, "../d/ccp");
  EXPECT_EQ(splits, (std::vector<std::string>{"train", "val"}));
  EXPECT_FALSE(data::split_path_spec("/data/ccp", &dir, &splits));
  EXPECT_FALSE(data::split_path_spec("C:/data/x.record", &dir, &splits));  // has a '/'
  EXPECT_FALSE(data::split_path_spec("data/x:", &dir, &splits));

  const std::string d = scratch_dir("config_sources");
  const PipelineConfig c = load_pipeline_config(write_text(
      d + "/c.yaml", minimal() +
                         "eval_input:\n  format: csv\n  label_map: /abs/map.pbtxt\n  paths:\n"
                         "    - /abs/boxes.csv\n"
                         "    - {path: dt, splits: [val], format: dataturks, name: web}\n"));
  ASSERT_EQ(c.eval_input.sources.size(), 2u);
  EXPECT_EQ(c.eval_input.sources[0].path, "/abs/boxes.csv");
  EXPECT_TRUE(c.eval_input.sources[0].splits.empty());
  EXPECT_EQ(c.eval_input.sources[0].format, data::Format::kCsv);
  EXPECT_EQ(c.eval_input.sources[1].name, "web");
  EXPECT_EQ(c.eval_input.sources[1].format, data::Format::kDataturks);
  EXPECT_EQ(c.eval_input.label_map, "/abs/map.pbtxt");
}

TEST(PipelineConfig, AugmentationParameters) {
  const std::string d = scratch_dir("config_aug");
  const PipelineConfig c = load_pipeline_config(write_text(
      d + "/c.yaml", minimal("  augmentation:\n    - random_adjust_brightness: {max_delta: 0.3}\n"
                             "    - random_adjust_contrast\n")));
  ASSERT_EQ(c.train.augmentation.size(), 2u);
  EXPECT_FLOAT_EQ(c.train.augmentation[0].param("max_delta"), 0.3f);
  EXPECT_FLOAT_EQ(c.train.augmentation[1].param("min_delta"), 0.8f);
  EXPECT_NE(error_of(minimal("  augmentation:\n    - random_adjust_brightness: {delta: 1}\n"))
                .find(":8: unknown key train.augmentation[0].random_adjust_brightness.delta"),
            std::string::npos);
  EXPECT_NE(error_of(minimal("  augmentation: [random_zoom]\n"))
                .find("train.augmentation[0] is an unknown augmentation 'random_zoom'"),
            std::string::npos);
}

TEST(PipelineConfig, ErrorsNameFileKeyPathAndLine) {
  // Unknown key, with its line.
  std::string e = error_of(minimal("  bach_size: 3\n"));
  EXPECT_NE(e.find("c.yaml:7: unknown key train.bach_size"), std::string::npos) << e;
  // Wrong type deep in the optimizer.
  e = error_of(minimal("", "      decay: fast\n"));
  EXPECT_NE(e.find(":11: train.optimizer.rms_prop.decay must be a number, got 'fast'"),
            std::string::npos)
      << e;
  // Missing required key: located at the section that lacks it.
  e = error_of("model: {ssd: {}}\ntrain:\n  batch_size: 2\n");
  EXPECT_NE(e.find(":3: missing required key train.optimizer"), std::string::npos) << e;
  e = error_of("train: {}\n");
  EXPECT_NE(e.find("missing required key model"), std::string::npos) << e;
  // Limits.
  std::string big = minimal();
  big.replace(big.find("batch_size: 4"), 13, "batch_size: 5000");
  e = error_of(big);
  EXPECT_NE(e.find(":5: train.batch_size must be in [1, 4096]"), std::string::npos) << e;
  std::string tiny = minimal();
  tiny.replace(tiny.find("num_classes: 9"), 14, "image_height: 8");
  EXPECT_NE(error_of(tiny).find(":3: model.ssd.image_height must be >= 33"), std::string::npos);
  std::string huge = minimal();
  huge.replace(huge.find("num_classes: 9"), 14, "image_width: 10000");
  EXPECT_NE(error_of(huge).find("model.ssd.image_width must be <= 4096"), std::string::npos);
  std::string ratios = minimal();
  ratios.replace(ratios.find("num_classes: 9"), 14,
                 "anchors: {aspect_ratios: [1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]}");
  EXPECT_NE(error_of(ratios).find("model.ssd.anchors.aspect_ratios must hold 1 to 16"),
            std::string::npos);
  // Enumerations.
  EXPECT_NE(
      error_of(minimal("  device: tpu\n")).find("train.device must be cpu or cuda, got 'tpu'"),
      std::string::npos);
  std::string fmt = minimal();
  fmt.replace(fmt.find("format: voc"), 11, "format: xml");
  EXPECT_NE(error_of(fmt).find(":12: train_input.format must be voc, csv, tfrecord"),
            std::string::npos);
  std::string conv = minimal();
  conv.replace(conv.find("num_classes: 9"), 14, "conv_impl: {pointwise: mkl}");
  EXPECT_NE(error_of(conv).find("model.ssd.conv_impl.pointwise must be handwritten, cublas"),
            std::string::npos);
  EXPECT_NE(error_of(minimal() + "eval: {metrics: [map]}\n").find("unknown metric 'map'"),
            std::string::npos);
  EXPECT_NE(error_of(minimal() + "extra: 1\n").find(":15: unknown key extra"), std::string::npos);
  EXPECT_NE(error_of("model: [1\n").find("invalid YAML"), std::string::npos);
  EXPECT_THROW(load_pipeline_config("/nonexistent/c.yaml"), UserError);
}

}  // namespace
}  // namespace tailor::pipeline

namespace tailor::pipeline {
namespace {

// A config whose learning_rate section is `lr` (indented under learning_rate:).
std::string with_learning_rate(const std::string& lr) {
  return "model:\n  ssd:\n    num_classes: 9\n"
         "train:\n  batch_size: 4\n  num_steps: 100\n"
         "  optimizer:\n    rms_prop:\n      learning_rate:\n" +
         lr +
         "train_input:\n  format: voc\n  paths: [data/ccp:train]\n"
         "  label_map: data/label_map.pbtxt\n";
}

TEST(PipelineConfig, CosineDecaySchedule) {
  const std::string d = scratch_dir("config_cosine");
  const PipelineConfig c = load_pipeline_config(write_text(
      d + "/c.yaml", with_learning_rate("        cosine_decay: {learning_rate_base: 0.008, "
                                        "warmup_learning_rate: 0.001, warmup_steps: 10}\n")));
  EXPECT_EQ(c.train.rms_prop.schedule, LearningRateSchedule::kCosineDecay);
  EXPECT_FLOAT_EQ(c.train.rms_prop.cosine_decay.learning_rate_base, 0.008f);
  EXPECT_EQ(c.train.rms_prop.cosine_decay.total_steps, 100);  // train.num_steps
  EXPECT_EQ(c.train.rms_prop.cosine_decay.warmup_steps, 10);
  EXPECT_NE(error_of(with_learning_rate("        cosine_decay: {learning_rate_base: 0.008}\n"
                                        "        exponential_decay: {initial_learning_rate: 1}\n"))
                .find("give exactly one of exponential_decay and cosine_decay"),
            std::string::npos);
  EXPECT_NE(error_of(with_learning_rate("        cosine_decay: {learning_rate_base: 0.008, "
                                        "warmup_steps: 100}\n"))
                .find("total_steps must exceed warmup_steps"),
            std::string::npos);
}

TEST(PipelineConfig, AmbiguousClasses) {
  const std::string d = scratch_dir("config_ambiguous");
  auto with_source = [](const std::string& source) {
    std::string yaml = minimal();
    yaml.replace(yaml.find("  paths: [data/ccp:train]\n"), 26,
                 "  paths:\n    - {path: data/ccp, splits: [train], " + source + "}\n");
    return yaml;
  };
  const PipelineConfig c = load_pipeline_config(write_text(
      d + "/c.yaml", with_source("ambiguous_classes: [[Jeans, Trousers], [Tops, Tshirts]]")));
  EXPECT_EQ(c.train_input.sources[0].ambiguous_classes,
            (std::vector<std::vector<std::string>>{{"Jeans", "Trousers"}, {"Tops", "Tshirts"}}));
  std::string e = error_of(with_source("ambiguous_classes: [Jeans, Trousers]"));
  EXPECT_NE(e.find(":14: train_input.paths[0].ambiguous_classes[0] must be a list of two or more "
                   "class names"),
            std::string::npos)
      << e;
  e = error_of(with_source("ambiguous_classes: [[Jeans]]"));
  EXPECT_NE(e.find("ambiguous_classes[0] must be a list of two or more class names"),
            std::string::npos)
      << e;
  e = error_of(with_source("ambiguous_classes: [[Jeans, Trousers], [Trousers, Skirts]]"));
  EXPECT_NE(e.find("ambiguous_classes[1] names 'Trousers' a second time"), std::string::npos) << e;
  e = error_of(with_source("ambiguous_classes: Jeans"));
  EXPECT_NE(e.find("ambiguous_classes must be a list of class-name lists"), std::string::npos) << e;
  // Both of a source's training-only keys are errors in eval_input.
  const std::pair<const char*, const char*> train_only[] = {
      {"{path: data/ccp, ambiguous_classes: [[Jeans, Trousers]]}", "'ccp' sets ambiguous_classes"},
      {"{path: data/catalog, format: catalog, labels_exhaustive: true}",
       "'catalog' sets labels_exhaustive"}};
  for (const auto& [source, what] : train_only) {
    e = error_of(minimal() + "eval_input:\n  format: voc\n  label_map: data/label_map.pbtxt\n" +
                 "  paths: [" + source + "]\n");
    EXPECT_NE(e.find(std::string("eval_input source ") + what + ", which only training uses"),
              std::string::npos)
        << e;
  }
}

TEST(PipelineConfig, SourceWeightsAndImageLevelLoss) {
  const std::string d = scratch_dir("config_weights");
  std::string yaml = minimal();
  yaml.replace(yaml.find("  paths: [data/ccp:train]\n"), 26,
               "  paths:\n    - data/ccp:train\n"
               "    - {path: data/catalog, splits: [train], format: catalog, weight: 0.5, "
               "include_stems: [cds_*, 'myntra_1?'], exclude_classes: [Jeans, Trousers], "
               "labels_exhaustive: true}\n");
  yaml.replace(yaml.find("    num_classes: 9\n"), 19,
               "    num_classes: 9\n    loss:\n      image_level: {method: max_size, weight: 2, "
               "min_score: 0.4, start_step: 50}\n");
  const PipelineConfig c = load_pipeline_config(write_text(d + "/c.yaml", yaml));
  ASSERT_EQ(c.train_input.sources.size(), 2u);
  EXPECT_EQ(c.train_input.sources[0].weight, 1.0);
  EXPECT_EQ(c.train_input.sources[1].weight, 0.5);
  EXPECT_EQ(c.train_input.sources[1].format, data::Format::kCatalog);
  EXPECT_TRUE(c.train_input.sources[0].exclude_classes.empty());
  EXPECT_EQ(c.train_input.sources[1].exclude_classes,
            (std::vector<std::string>{"Jeans", "Trousers"}));
  EXPECT_TRUE(c.train_input.sources[1].ambiguous_classes.empty());
  EXPECT_EQ(c.train_input.sources[1].include_stems,
            (std::vector<std::string>{"cds_*", "myntra_1?"}));
  EXPECT_TRUE(c.train_input.sources[0].include_stems.empty());
  EXPECT_TRUE(c.train_input.sources[1].labels_exhaustive);
  EXPECT_FALSE(c.train_input.sources[0].labels_exhaustive);
  const models::ImageLevelLossConfig& il = c.model.loss.image_level;
  EXPECT_EQ(il.method, models::ImageLevelMethod::kMaxSize);
  EXPECT_EQ(il.weight, 2.f);
  EXPECT_FLOAT_EQ(il.min_score, 0.4f);
  EXPECT_EQ(il.start_step, 50);
  EXPECT_FALSE(il.class_aware);
  std::string bad = yaml;
  bad.replace(bad.find("method: max_size"), 16, "method: mil, class_aware: true");
  EXPECT_NE(error_of(bad).find("image_level.class_aware applies to method max_size only"),
            std::string::npos)
      << error_of(bad);
  bad = yaml;
  bad.replace(bad.find("weight: 0.5"), 11, "weight: 0");
  EXPECT_NE(error_of(bad).find("weight must be in (0, 100]"), std::string::npos) << error_of(bad);
  bad = yaml;
  bad.replace(bad.find("method: max_size"), 16, "method: biggest");
  EXPECT_NE(error_of(bad).find("image_level.method must be pseudo_box, max_size, mil, got "
                               "'biggest'"),
            std::string::npos)
      << error_of(bad);
}

}  // namespace
}  // namespace tailor::pipeline
