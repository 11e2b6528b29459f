#include "pipeline/train/trainer.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <memory>
#include <sstream>

#include "data/loader.h"
#include "engine/autograd.h"
#include "engine/io/checkpoint.h"
#include "engine/optim/learning_rate.h"
#include "engine/optim/moving_average.h"
#include "engine/optim/rmsprop.h"
#include "models/ssd_loss.h"
#include "pipeline/input/input_data.h"
#include "pipeline/input/sample_weights.h"
#include "pipeline/logging/metrics_csv.h"
#include "pipeline/model_io/fine_tune.h"
#include "pipeline/progress.h"
#include "pipeline/train/checkpoint_files.h"
#include "pipeline/train/train_state.h"
#include "runtime/device.h"
#include "runtime/error.h"
#include "runtime/io/atomic_file.h"
#include "runtime/thread_pool.h"

namespace fs = std::filesystem;

namespace tailor::pipeline {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// `image_labels_train`: whether image-labelled rows train yet (loss.image_level.start_step);
// before that they are in the batch but give no loss.
std::vector<models::GroundTruth> groundtruth_of(const data::Batch& batch, bool image_labels_train) {
  const int64_t max_boxes = batch.boxes.size(1);
  const float* boxes = batch.boxes.data<float>();
  const int32_t* classes = batch.classes.data<int32_t>();
  const int32_t* counts = batch.num_boxes.data<int32_t>();
  std::vector<models::GroundTruth> gt(batch.size);
  for (int i = 0; i < batch.size; ++i) {
    if (batch.image_labels[i] > 0) {
      gt[i].image_level = true;
      gt[i].image_label = image_labels_train ? batch.image_labels[i] : 0;
    }
    for (int j = 0; j < counts[i]; ++j) {
      const float* b = boxes + (i * max_boxes + j) * 4;
      gt[i].boxes.push_back({b[0], b[1], b[2], b[3]});
      gt[i].classes.push_back(classes[i * max_boxes + j]);
    }
  }
  return gt;
}

bool all_finite(const Tensor& t) {
  if (!t.defined() || t.dtype() != DType::Float32) return true;
  Tensor c = t.to(tailor::Device::cpu()).contiguous();  // CUDA device move: read on the host
  const float* d = c.data<float>();
  for (int64_t i = 0, n = c.numel(); i < n; ++i)
    if (!std::isfinite(d[i])) return false;
  return true;
}

// Names the first non-finite tensor of a failed step, in the order a reader can act on: the
// loss terms, then the weights, then the gradients.
std::string first_bad_tensor(const models::SsdLosses& losses, const ParameterSet& params) {
  const std::pair<const char*, const Tensor*> terms[] = {
      {"classification loss", &losses.classification},
      {"localization loss", &losses.localization},
      {"regularization loss", &losses.regularization}};
  for (const auto& [name, t] : terms)
    if (!all_finite(*t)) return name;
  for (const Parameter& p : params.all())
    if (!all_finite(p.value)) return p.name;
  for (const Parameter& p : params.all())
    if (p.trainable && !all_finite(p.value.grad())) return "gradient of " + p.name;
  return "none (the total loss overflowed)";
}

std::string format_float(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

}  // namespace

TrainResult train(const PipelineConfig& config, const TrainOptions& options) {
  std::ostream& log = options.log ? *options.log : std::cerr;
  const TrainConfig& tc = config.train;
  if (tc.device == Device::kCuda) require_cuda();
  set_num_threads(tc.threads);
  const int64_t num_steps = options.num_steps >= 0 ? options.num_steps : tc.num_steps;
  const std::string out_dir = tc.output_dir;
  TAILOR_CHECK(!out_dir.empty(), UserError, config.path, ": train.output_dir is empty");

  InputData input = load_input(config.train_input, "train_input");
  TAILOR_CHECK(input.labels.max_id() <= config.model.num_classes, UserError,
               config.train_input.label_map, ": label id ", input.labels.max_id(),
               " exceeds model.ssd.num_classes ", config.model.num_classes);
  const data::Dataset dataset = input.all();
  log << "train: " << dataset.size() << " images from";
  for (const NamedDataset& s : input.sources)
    log << " " << s.name << " (" << s.examples.size() << ")";
  log << "\n";
  const SampleWeights weights = sample_weights(input, config.train_input.repeat_factor_threshold);
  log << weights.report;

  models::SsdConfig model_config = config.model;
  model_config.init_seed = tc.seed;
  models::SsdModel model(model_config);
  // CUDA device move: parameters live on the GPU before any restore copies into them; batches
  // are uploaded by SsdModel::forward, optimizer slots follow their variables.
  if (tc.device == Device::kCuda) model.to(tailor::Device::cuda());
  const RmsPropConfig& rc = tc.rms_prop;
  optim::RMSProp optimizer({rc.decay, rc.momentum, rc.epsilon});
  std::unique_ptr<optim::ExponentialMovingAverage> ema;
  if (tc.use_moving_average)
    ema = std::make_unique<optim::ExponentialMovingAverage>(tc.moving_average_decay);

  std::error_code ec;
  fs::create_directories(out_dir, ec);
  TAILOR_CHECK(!ec, UserError, out_dir, ": cannot create train.output_dir: ", ec.message());
  TrainResult result;
  int64_t step = 0;
  const std::vector<CheckpointFile> existing = list_checkpoints(out_dir);
  if (options.resume) {
    TAILOR_CHECK(!existing.empty(), UserError, out_dir,
                 ": --resume: no checkpoint (ckpt-STEP.safetensors) to resume from");
    const CheckpointFile& latest = existing.back();
    io::Checkpoint ckpt = io::load_checkpoint(latest.path);
    step = restore_train_checkpoint(ckpt, latest.path, model, optimizer, ema.get());
    log << "train: resumed from " << latest.path << " at step " << step << "\n";
    result.last_checkpoint = latest.path;
  } else {
    TAILOR_CHECK(existing.empty(), UserError, out_dir, " already holds checkpoints (newest ",
                 existing.empty() ? "" : existing.back().path,
                 "); pass --resume to continue that run, or set another train.output_dir");
    if (!tc.fine_tune_checkpoint.empty()) {
      FineTuneReport report =
          restore_fine_tune(model, tc.fine_tune_checkpoint, tc.fine_tune_checkpoint_type);
      log << format_fine_tune_report(report);
    } else {
      log << "train: no fine_tune_checkpoint: training from the initializers\n";
    }
  }
  if (ema) ema->initialize(model.params());
  // A finished run that is resumed for more steps is no longer finished (eval --watch waits).
  fs::remove(fs::path(out_dir) / "DONE", ec);
  result.first_step = result.last_step = step;

  const optim::ExponentialDecay exponential{
      rc.learning_rate.initial_learning_rate, rc.learning_rate.decay_steps,
      rc.learning_rate.decay_factor, rc.learning_rate.staircase};
  const optim::CosineDecay cosine{rc.cosine_decay.learning_rate_base, rc.cosine_decay.total_steps,
                                  rc.cosine_decay.warmup_learning_rate,
                                  rc.cosine_decay.warmup_steps,
                                  rc.cosine_decay.hold_base_rate_steps};
  auto learning_rate = [&](int64_t at) {
    return rc.schedule == LearningRateSchedule::kCosineDecay ? cosine.at(at) : exponential.at(at);
  };
  data::LoaderOptions lo;
  lo.batch_size = tc.batch_size;
  lo.height = model_config.image_height;
  lo.width = model_config.image_width;
  lo.threads = std::max(1, num_threads());
  lo.seed = tc.seed;
  lo.shuffle = config.train_input.shuffle;
  lo.repeat = true;
  lo.augmentation = to_augment_steps(tc.augmentation);
  lo.sample_weights = weights.per_image;
  lo.labels = &input.labels;
  lo.start_batch = step;
  lo.on_bad_example = data::parse_on_bad_example(config.train_input.on_bad_example);
  data::Loader loader(dataset, lo);

  EventWriter events(out_dir);
  MetricsCsv csv((fs::path(out_dir) / "metrics.csv").string(), options.resume ? step : -1);
  ProgressOptions po;
  po.total = num_steps;
  po.start = step;
  po.log_every = tc.log_every;
  po.tty = options.progress_tty;
  po.out = &log;
  Progress progress(po);

  auto save = [&](int64_t at) {
    io::Checkpoint ckpt = make_train_checkpoint(model, optimizer, ema.get(), at, input.labels);
    const std::string bad = first_non_finite(ckpt);
    TAILOR_CHECK(bad.empty(), UserError, "step ", at, ": ", bad,
                 " is not finite; refusing to write a checkpoint");
    const std::string path = checkpoint_path(out_dir, at);
    io::save_checkpoint(path, ckpt);
    prune_checkpoints(out_dir, tc.keep_checkpoints);
    result.last_checkpoint = path;
  };
  auto log_scalars = [&](int64_t at, const Scalars& scalars) {
    events.add_scalars(at, scalars);
    events.flush();
    csv.add(at, scalars);
    csv.flush();
  };
  auto run_eval = [&](int64_t at) {
    if (!options.evaluate) return;
    progress.finish();
    Scalars scalars;
    if (ema || model.device().is_cuda()) {  // CUDA device move: evaluate a host copy
      // Evaluate the averaged weights, as the TF OD API's eval job restores them.
      models::SsdModel averaged(model_config);
      for (const Parameter& p : model.params().all())
        averaged.params().at(p.name).value.copy_from(p.value);
      if (ema) ema->copy_to(averaged.params());
      scalars = options.evaluate(averaged, at);
    } else {
      scalars = options.evaluate(model, at);
    }
    if (!scalars.empty()) log_scalars(at, scalars);
  };

  const Clock::time_point start = Clock::now();
  int64_t last_saved = step;
  double window_seconds = 0;
  int64_t window_images = 0;
  while (step < num_steps) {
    if (options.stop && options.stop->load()) {
      result.interrupted = true;
      break;
    }
    const Clock::time_point t0 = Clock::now();
    data::Batch batch;
    loader.next(&batch);
    model.params().zero_grad();
    models::SsdOutput out = model.forward(batch.images, /*training=*/true);
    const bool image_labels_train = step >= model_config.loss.image_level.start_step;
    models::SsdLosses losses =
        models::ssd_loss(out, model.anchor_boxes(), groundtruth_of(batch, image_labels_train),
                         model.params(), model_config);
    const float total = losses.total.item();
    if (!std::isfinite(total))
      throw UserError(
          "step " + std::to_string(step + 1) + ": the total loss is " + format_float(total) +
          "; first non-finite tensor: " + first_bad_tensor(losses, model.params()) +
          ". Lower the learning rate or check the data; the last checkpoint (" +
          (result.last_checkpoint.empty() ? "none" : result.last_checkpoint) + ") is intact");
    losses.total.backward();
    for (const Parameter& p : model.params().all())
      if (p.trainable && !all_finite(p.value.grad()))
        throw UserError("step " + std::to_string(step + 1) + ": gradient of " + p.name +
                        " is not finite; the last checkpoint (" +
                        (result.last_checkpoint.empty() ? "none" : result.last_checkpoint) +
                        ") is intact");
    const float lr = learning_rate(step);
    optimizer.apply(model.params(), lr);
    if (ema) ema->apply(model.params());
    ++step;
    result.losses.push_back(total);
    window_seconds += seconds_since(t0);
    window_images += batch.size;

    progress.update(step, {{"loss", total}, {"lr", lr}});
    if (step % tc.log_every == 0 || step == num_steps) {
      log_scalars(step, {{"loss/total", total},
                         {"loss/classification", losses.classification.item()},
                         {"loss/localization", losses.localization.item()},
                         {"loss/regularization", losses.regularization.item()},
                         {"learning_rate", lr},
                         {"images_per_sec", window_images / std::max(window_seconds, 1e-9)}});
      window_seconds = 0;
      window_images = 0;
    }
    if (step % tc.checkpoint_every == 0 || step == num_steps) {
      save(step);
      last_saved = step;
    }
    if (config.eval.every_n_steps > 0 && step % config.eval.every_n_steps == 0 && step != num_steps)
      run_eval(step);
  }
  progress.finish();
  if (loader.skipped() > 0) {
    log << "train: skipped " << loader.skipped() << " bad examples (on_bad_example: skip):\n";
    for (const std::string& bad : loader.bad_examples()) log << "  " << bad << "\n";
  }
  result.last_step = step;
  const int64_t ran = step - result.first_step;
  result.seconds_per_step = ran > 0 ? seconds_since(start) / ran : 0;
  if (step > last_saved) save(step);
  if (result.interrupted) {
    log << "train: interrupted at step " << step << "; saved " << result.last_checkpoint
        << "; continue with --resume\n";
    return result;
  }
  if (ran > 0 || !options.resume) run_eval(step);
  std::ostringstream done;
  done << "{\"global_step\": " << step << ", \"checkpoint\": \"" << result.last_checkpoint
       << "\", \"seconds_per_step\": " << result.seconds_per_step << "}\n";
  io::write_file_atomic((fs::path(out_dir) / "DONE").string(), done.str());
  log << "train: done at step " << step << " (" << format_duration(seconds_since(start)) << ", "
      << result.seconds_per_step << " s/step); checkpoint " << result.last_checkpoint << "\n";
  return result;
}

}  // namespace tailor::pipeline
