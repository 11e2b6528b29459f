#include "pipeline/train/trainer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "engine/io/checkpoint.h"
#include "models/ssd_model.h"
#include "pipeline/logging/event_writer.h"
#include "pipeline/logging/metrics_csv.h"
#include "pipeline/model_io/checkpoint_files.h"
#include "runtime/error.h"
#include "tests/support/cli.h"
#include "tests/train/same_checkpoints.h"
#include "tests/train/tiny_run.h"

namespace tailor::pipeline {
namespace {

namespace fs = std::filesystem;

// Trains quietly; `log` (optional) receives what train() logged.
TrainResult run(const PipelineConfig& c, int64_t steps, bool resume, std::string* log = nullptr) {
  TrainOptions o;
  o.num_steps = steps;
  o.resume = resume;
  std::ostringstream out;
  o.log = &out;
  o.progress_tty = 0;
  TrainResult r = train(c, o);
  if (log) *log = out.str();
  return r;
}

TrainResult run(const std::string& config_path, int64_t steps, bool resume,
                float force_learning_rate = 0) {
  PipelineConfig c = load_pipeline_config(config_path);
  if (force_learning_rate > 0)
    c.train.rms_prop.learning_rate.initial_learning_rate = force_learning_rate;
  return run(c, steps, resume);
}

TEST(Trainer, ResumeIsBitExact) {
  const std::string straight = testing::tiny_scratch("straight");
  const std::string split = testing::tiny_scratch("split");
  testing::make_tiny_voc(straight, 6);
  testing::make_tiny_voc(split, 6);
  // EMA on, so the shadows' round trip is covered too.
  const std::string extra = "  use_moving_average: true\n  moving_average_decay: 0.9\n";
  const std::string c1 = testing::tiny_config(straight, 20, 10, extra);
  const std::string c2 = testing::tiny_config(split, 20, 10, extra);

  const TrainResult whole = run(c1, 20, false);
  ASSERT_EQ(whole.losses.size(), 20u);
  const TrainResult first = run(c2, 10, false);
  const TrainResult second = run(c2, 20, true);
  EXPECT_EQ(second.first_step, 10);
  ASSERT_EQ(first.losses.size() + second.losses.size(), 20u);
  for (size_t i = 0; i < 20; ++i) {
    const float resumed = i < 10 ? first.losses[i] : second.losses[i - 10];
    EXPECT_EQ(whole.losses[i], resumed) << "step " << i + 1;  // bit for bit, not approximately
  }
  testing::expect_same_checkpoints(whole.last_checkpoint, second.last_checkpoint);
  // The losses went somewhere: training moves them.
  EXPECT_NE(whole.losses.front(), whole.losses.back());
}

TEST(Trainer, WritesCheckpointsLogsAndKeepsTheLastK) {
  const std::string dir = testing::tiny_scratch("outputs");
  testing::make_tiny_voc(dir, 4);
  const TrainResult r = run(testing::tiny_config(dir, 12, 2), -1, false);
  EXPECT_EQ(r.last_step, 12);
  const std::vector<CheckpointFile> ckpts = list_checkpoints(dir + "/run");
  ASSERT_EQ(ckpts.size(), 3u);  // keep_checkpoints: 3 of 2, 4, ..., 12
  EXPECT_EQ(ckpts.front().step, 8);
  EXPECT_EQ(ckpts.back().step, 12);
  const io::Checkpoint ck = io::load_checkpoint(ckpts.back().path);
  EXPECT_EQ(ck.metadata.at(io::kMetaGlobalStep), "12");
  EXPECT_NE(ck.find("FeatureExtractor/MobilenetV1/Conv2d_0/weights/RMSProp"), nullptr);
  EXPECT_NE(ck.metadata.at(io::kMetaLabelMap).find("Sunglasses"), std::string::npos);
  EXPECT_TRUE(fs::exists(dir + "/run/DONE"));

  const MetricsTable csv = read_metrics_csv(dir + "/run/metrics.csv");
  ASSERT_EQ(csv.rows.size(), 3u);  // steps 5, 10 and the last, 12
  EXPECT_EQ(csv.rows.back().step, 12);
  EXPECT_NEAR(csv.rows.back().values.at("loss/total"), r.losses.back(), 1e-5);
  int events = 0;
  for (const auto& e : fs::directory_iterator(dir + "/run"))
    if (e.path().filename().string().rfind("events.out.tfevents.", 0) == 0) {
      const EventFileContents ev = read_event_file(e.path().string());
      EXPECT_EQ(ev.file_version, "brain.Event:2");
      EXPECT_EQ(ev.scalars.size(), 3u * 6u);  // 6 scalars at 3 logged steps
      ++events;
    }
  EXPECT_EQ(events, 1);

  // A second plain run into the same directory would mix two runs: refused.
  try {
    run(testing::tiny_config(dir, 12, 2), -1, false);
    FAIL() << "expected an error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("--resume"), std::string::npos) << e.what();
  }
}

TEST(Trainer, NonFiniteLossStopsWithTheStepAndWritesNoBadCheckpoint) {
  const std::string dir = testing::tiny_scratch("nan");
  testing::make_tiny_voc(dir, 4);
  const std::string cfg = testing::tiny_config(dir, 50, 1);
  try {
    // A learning rate this large (the config refuses it; set behind its back) blows the
    // weights up within a few steps.
    run(cfg, -1, false, 1e30f);
    FAIL() << "expected a non-finite error";
  } catch (const UserError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("step "), std::string::npos) << msg;
    EXPECT_NE(msg.find("finite"), std::string::npos) << msg;
  }
  for (const CheckpointFile& c : list_checkpoints(dir + "/run")) {
    const io::Checkpoint ck = io::load_checkpoint(c.path);
    for (const Tensor& t : ck.tensors) {
      const float* d = t.data<float>();
      for (int64_t i = 0; i < t.numel(); ++i) ASSERT_TRUE(std::isfinite(d[i])) << c.path;
    }
  }
}

TEST(Trainer, BadImageFailsNamingItOrIsSkippedWhenConfigured) {
  const std::string dir = testing::tiny_scratch("bad_image");
  const std::string voc = testing::make_tiny_voc(dir, 4);
  fs::path victim = fs::directory_iterator(voc + "/images")->path();
  std::ofstream(victim, std::ios::binary | std::ios::trunc) << "not a jpeg";
  const std::string cfg = testing::tiny_config(dir, 4, 4);
  try {
    run(cfg, -1, false);
    FAIL() << "expected an error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find(victim.filename().string()), std::string::npos)
        << e.what();
  }
  std::string yaml = testing::slurp(cfg);
  const std::string input = "train_input:\n  format: voc\n";
  yaml.replace(yaml.find(input), input.size(), input + "  on_bad_example: skip\n");
  std::ofstream(cfg) << yaml;
  fs::remove_all(dir + "/run");
  const TrainResult r = run(cfg, -1, false);
  EXPECT_EQ(r.last_step, 4);
}

TEST(Trainer, RepeatFactorSamplingIsLoggedAndResumesBitExact) {
  auto with_sampling = [](const std::string& dir) {
    testing::make_tiny_voc(dir, 6);  // Trousers, Shoes, Shoes, Shirts, Tops, Tops
    const std::string cfg = testing::tiny_config(dir, 8, 4);
    std::string yaml = testing::slurp(cfg);
    const std::string input = "train_input:\n  format: voc\n";
    yaml.replace(yaml.find(input), input.size(), input + "  repeat_factor_threshold: 0.5\n");
    std::ofstream(cfg) << yaml;
    return load_pipeline_config(cfg);
  };
  std::string log;
  const TrainResult whole =
      run(with_sampling(testing::tiny_scratch("repeat_whole")), 8, false, &log);
  // 1 image of 6 holds Trousers or Shirts: sqrt(0.5 / (1/6)) = 1.73; Shoes and Tops, 2 of 6:
  // 1.22. 2 x 1.73 + 4 x 1.22 = 8.36 samples per epoch, rounded to 8.
  EXPECT_NE(log.find("train: repeat-factor sampling (threshold 0.5): 8 samples per epoch from 6 "
                     "images\n  voc:train: Shirts x1.73 (1 of 6 images), Trousers x1.73 (1 of 6 "
                     "images), Shoes x1.22 (2 of 6 images), Tops x1.22 (2 of 6 images)\n"),
            std::string::npos)
      << log;
  // 8 steps of batch 2 cross the epoch boundary; resuming at step 4 gives the same batches.
  const PipelineConfig split = with_sampling(testing::tiny_scratch("repeat_split"));
  const TrainResult first = run(split, 4, false);
  const TrainResult second = run(split, 8, true);
  ASSERT_EQ(first.losses.size() + second.losses.size(), 8u);
  for (size_t i = 0; i < 8; ++i)
    EXPECT_EQ(whole.losses[i], i < 4 ? first.losses[i] : second.losses[i - 4]) << "step " << i + 1;
}

// A box-labelled and an image-labelled source in one run, the catalogue weighted 0.5 and
// its loss starting at step 4: the CI smoke test of mixed training, and its bit-exact resume.
PipelineConfig mixed_config(const std::string& dir, int steps) {
  testing::make_tiny_voc(dir, 6);
  testing::make_tiny_catalog(dir, 8);
  const std::string cfg = testing::tiny_config(dir, steps, 10);
  std::string yaml = testing::slurp(cfg);
  const std::string paths = "  paths: [voc:train]\n";
  yaml.replace(yaml.find(paths), paths.size(),
               "  paths:\n    - voc:train\n"
               "    - {path: catalog, splits: [train], format: catalog, weight: 0.5}\n");
  const std::string model = "    depth_multiplier: 0.25\n";
  yaml.replace(yaml.find(model), model.size(),
               model +
                   "    loss:\n      image_level: {method: pseudo_box, min_score: 0.01, "
                   "start_step: 4}\n");
  std::ofstream(cfg) << yaml;
  return load_pipeline_config(cfg);
}

TEST(Trainer, MixedBoxAndImageLevelSourcesTrainAndResumeBitExact) {
  std::string log;
  const TrainResult whole =
      run(mixed_config(testing::tiny_scratch("mixed_whole"), 20), 20, false, &log);
  ASSERT_EQ(whole.losses.size(), 20u);
  for (float l : whole.losses) EXPECT_TRUE(std::isfinite(l));
  EXPECT_NE(log.find("train: 14 images from voc:train (6) catalog:train (8)"), std::string::npos)
      << log;
  EXPECT_NE(log.find("train: source weights: 10 samples per epoch from 14 images\n"
                     "  voc:train: 6 images x1.00\n  catalog:train: 8 images x0.50\n"),
            std::string::npos)
      << log;
  const PipelineConfig split = mixed_config(testing::tiny_scratch("mixed_split"), 20);
  const TrainResult first = run(split, 10, false);
  const TrainResult second = run(split, 20, true);
  ASSERT_EQ(first.losses.size() + second.losses.size(), 20u);
  for (size_t i = 0; i < 20; ++i)
    EXPECT_EQ(whole.losses[i], i < 10 ? first.losses[i] : second.losses[i - 10])
        << "step " << i + 1;
  testing::expect_same_checkpoints(whole.last_checkpoint, second.last_checkpoint);
}

TEST(Trainer, FrozenVariablesKeepTheirValuesTrainNothingAndResumeBitExact) {
  const std::string extra =
      "  use_moving_average: true\n  moving_average_decay: 0.9\n"
      "  freeze_variables: ['FeatureExtractor/MobilenetV1/Conv2d_[01][_/]']\n";
  const std::string straight = testing::tiny_scratch("frozen_straight");
  const std::string split = testing::tiny_scratch("frozen_split");
  testing::make_tiny_voc(straight, 6);
  testing::make_tiny_voc(split, 6);
  const PipelineConfig c = load_pipeline_config(testing::tiny_config(straight, 8, 4, extra));
  std::string log;
  const TrainResult whole = run(c, 8, false, &log);
  // Conv2d_0 and Conv2d_1's depthwise and pointwise weights, each with gamma and beta.
  EXPECT_NE(log.find("train: froze 9 variables ("), std::string::npos) << log;

  // The frozen variables hold their initial values and have no optimizer or EMA slots; the
  // layers after them train.
  models::SsdConfig mc = c.model;
  mc.init_seed = c.train.seed;
  const models::SsdModel initial(mc);
  const io::Checkpoint ck = io::load_checkpoint(whole.last_checkpoint);
  const std::regex frozen("FeatureExtractor/MobilenetV1/Conv2d_[01][_/].*");
  int held = 0;
  for (const Parameter& p : initial.params().all()) {
    if (!p.trainable || !std::regex_match(p.name, frozen)) continue;
    const Tensor* t = ck.find(p.name);
    ASSERT_NE(t, nullptr) << p.name;
    EXPECT_EQ(0, std::memcmp(t->data<float>(), p.value.data<float>(), t->nbytes())) << p.name;
    EXPECT_EQ(ck.find(p.name + "/RMSProp"), nullptr) << p.name;
    EXPECT_EQ(ck.find(p.name + "/ExponentialMovingAverage"), nullptr) << p.name;
    ++held;
  }
  EXPECT_EQ(held, 9);
  const std::string next = "FeatureExtractor/MobilenetV1/Conv2d_2_pointwise/weights";
  const Tensor* trained = ck.find(next);
  ASSERT_NE(trained, nullptr);
  EXPECT_NE(0, std::memcmp(trained->data<float>(), initial.params().at(next).value.data<float>(),
                           trained->nbytes()));
  EXPECT_NE(ck.find(next + "/RMSProp"), nullptr);

  // Resumed halfway: the same checkpoint bit for bit.
  const PipelineConfig halves = load_pipeline_config(testing::tiny_config(split, 8, 4, extra));
  run(halves, 4, false);
  const TrainResult second = run(halves, 8, true);
  testing::expect_same_checkpoints(whole.last_checkpoint, second.last_checkpoint);

  // A pattern that matches nothing is a typo, not a silent full fine-tune.
  const std::string typo = testing::tiny_scratch("frozen_typo");
  testing::make_tiny_voc(typo, 2);
  try {
    run(load_pipeline_config(testing::tiny_config(
            typo, 2, 2, "  freeze_variables: ['FeatureExtractor/MobileNetV1/Conv2d_0']\n")),
        2, false);
    FAIL() << "expected an error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("tiny.yaml: train.freeze_variables "
                                         "'FeatureExtractor/MobileNetV1/Conv2d_0' matches no "
                                         "trainable variable"),
              std::string::npos)
        << e.what();
  }
}

// A box source's ambiguous_classes reaches the loss: the same run with the tiny set's Trousers
// photo teaching nothing about Jeans trains differently, and the log says so.
TEST(Trainer, AmbiguousClassesChangeOnlyWhatTheirBoxesTeach) {
  const std::string plain_dir = testing::tiny_scratch("ambiguous_plain");
  const std::string dir = testing::tiny_scratch("ambiguous");
  testing::make_tiny_voc(plain_dir, 6);
  testing::make_tiny_voc(dir, 6);
  const PipelineConfig plain = load_pipeline_config(testing::tiny_config(plain_dir, 6, 6));
  PipelineConfig ambiguous = load_pipeline_config(testing::tiny_config(dir, 6, 6));
  ambiguous.train_input.sources[0].ambiguous_classes = {{"Jeans", "Trousers"}};
  std::string log;
  const TrainResult a = run(plain, 6, false);
  const TrainResult b = run(ambiguous, 6, false, &log);
  EXPECT_NE(log.find("train: voc:train: Jeans/Trousers labels train their own class only "
                     "(ambiguous_classes)"),
            std::string::npos)
      << log;
  ASSERT_EQ(a.losses.size(), b.losses.size());
  bool differ = false;
  for (size_t i = 0; i < a.losses.size(); ++i) differ |= a.losses[i] != b.losses[i];
  EXPECT_TRUE(differ);
}

}  // namespace
}  // namespace tailor::pipeline
