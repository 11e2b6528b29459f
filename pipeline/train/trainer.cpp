#include "pipeline/train/trainer.h"

#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <sstream>

#include "data/loader.h"
#include "engine/io/checkpoint.h"
#include "pipeline/build/builders.h"
#include "pipeline/input/input_data.h"
#include "pipeline/input/sample_weights.h"
#include "pipeline/logging/metrics_csv.h"
#include "pipeline/model_io/checkpoint_files.h"
#include "pipeline/model_io/fine_tune.h"
#include "pipeline/progress.h"
#include "pipeline/train/train_state.h"
#include "pipeline/train/train_step.h"
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

// The training data, read and reported.
InputData load_train_input(const PipelineConfig& config, std::ostream& log) {
  InputData input = load_input(config.train_input, "train_input");
  TAILOR_CHECK(input.labels.max_id() <= config.model.num_classes, UserError,
               config.train_input.label_map, ": label id ", input.labels.max_id(),
               " exceeds model.ssd.num_classes ", config.model.num_classes);
  log << "train: " << input.num_examples() << " images from";
  for (const NamedDataset& s : input.sources)
    log << " " << s.name << " (" << s.examples.size() << ")";
  log << "\n";
  return input;
}

// Where training starts: the newest checkpoint of the run (--resume), else the fine-tune
// checkpoint or the initializers. Returns the global step.
int64_t restore_or_start(const PipelineConfig& config, const TrainOptions& options,
                         models::SsdModel& model, optim::RMSProp& optimizer,
                         optim::ExponentialMovingAverage* ema, std::string* last_checkpoint,
                         std::ostream& log) {
  const TrainConfig& tc = config.train;
  const std::vector<CheckpointFile> existing = list_checkpoints(tc.output_dir);
  if (options.resume) {
    TAILOR_CHECK(!existing.empty(), UserError, tc.output_dir,
                 ": --resume: no checkpoint (ckpt-STEP.safetensors) to resume from");
    const CheckpointFile& latest = existing.back();
    io::Checkpoint ckpt = io::load_checkpoint(latest.path);
    const int64_t step = restore_train_checkpoint(ckpt, latest.path, model, optimizer, ema);
    log << "train: resumed from " << latest.path << " at step " << step << "\n";
    *last_checkpoint = latest.path;
    return step;
  }
  TAILOR_CHECK(existing.empty(), UserError, tc.output_dir, " already holds checkpoints (newest ",
               existing.empty() ? "" : existing.back().path,
               "); pass --resume to continue that run, or set another train.output_dir");
  if (!tc.fine_tune_checkpoint.empty())
    log << format_fine_tune_report(
        restore_fine_tune(model, tc.fine_tune_checkpoint, tc.fine_tune_checkpoint_type));
  else
    log << "train: no fine_tune_checkpoint: training from the initializers\n";
  return 0;
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

  // Setup: data, model, optimizer, the starting point, the loader and the logs.
  InputData input = load_train_input(config, log);
  const data::Dataset dataset = input.all();
  const SampleWeights weights = sample_weights(input, config.train_input.repeat_factor_threshold);
  log << weights.report;
  models::SsdConfig model_config = config.model;
  model_config.init_seed = tc.seed;
  models::SsdModel model(model_config);
  // CUDA device move: parameters live on the GPU before any restore copies into them; batches
  // are uploaded by SsdModel::forward, optimizer slots follow their variables.
  if (tc.device == Device::kCuda) model.to(tailor::Device::cuda());
  optim::RMSProp optimizer = build_optimizer(tc.rms_prop);
  std::unique_ptr<optim::ExponentialMovingAverage> ema = build_moving_average(tc);
  const LearningRate learning_rate(tc.rms_prop);

  std::error_code ec;
  fs::create_directories(out_dir, ec);
  TAILOR_CHECK(!ec, UserError, out_dir, ": cannot create train.output_dir: ", ec.message());
  TrainResult result;
  int64_t step =
      restore_or_start(config, options, model, optimizer, ema.get(), &result.last_checkpoint, log);
  if (ema) ema->initialize(model.params());
  // A finished run that is resumed for more steps is no longer finished (eval --watch waits).
  fs::remove(fs::path(out_dir) / "DONE", ec);
  result.first_step = result.last_step = step;
  data::Loader loader(dataset,
                      build_train_loader_options(config, input.labels, weights.per_image, step));

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

  // The loop: a batch, a step, then whatever is due (log line, checkpoint, evaluation).
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
    StepContext ctx;
    ctx.step = step;
    ctx.learning_rate = learning_rate.at(step);
    ctx.image_labels_train = step >= model_config.loss.image_level.start_step;
    ctx.last_checkpoint = result.last_checkpoint;
    const StepLosses losses = train_step(model, optimizer, ema.get(), batch, ctx);
    ++step;
    result.losses.push_back(losses.total);
    window_seconds += seconds_since(t0);
    window_images += batch.size;

    progress.update(step, {{"loss", losses.total}, {"lr", ctx.learning_rate}});
    if (step % tc.log_every == 0 || step == num_steps) {
      log_scalars(step, {{"loss/total", losses.total},
                         {"loss/classification", losses.classification},
                         {"loss/localization", losses.localization},
                         {"loss/regularization", losses.regularization},
                         {"learning_rate", ctx.learning_rate},
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

  // The end: what was skipped, the last checkpoint, the final evaluation, DONE.
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
