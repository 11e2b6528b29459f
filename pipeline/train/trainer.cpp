#include "pipeline/train/trainer.h"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <sstream>
#include <system_error>
#include <thread>

#include "data/loader.h"
#include "engine/io/checkpoint.h"
#include "pipeline/build/builders.h"
#include "pipeline/input/input_data.h"
#include "pipeline/input/sample_weights.h"
#include "pipeline/logging/metrics_csv.h"
#include "pipeline/model_io/checkpoint_files.h"
#include "pipeline/model_io/fine_tune.h"
#include "pipeline/progress.h"
#include "pipeline/train/gradient_allreduce.h"
#include "pipeline/train/train_state.h"
#include "pipeline/train/train_step.h"
#include "runtime/device.h"
#include "runtime/dist/communicator.h"
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

// This rank's GPU: its rank among the ranks on this node.
int local_gpu(const dist::Communicator& comm) {
  if (comm.size() == 1) return 0;
  if (const char* v = std::getenv("OMPI_COMM_WORLD_LOCAL_RANK")) return std::atoi(v);
  return comm.rank();
}

// The training data, read and reported.
InputData load_train_input(const PipelineConfig& config, std::ostream& log) {
  InputData input = load_input(config.train_input, "train_input");
  TAILOR_CHECK(input.labels.max_id() <= config.model.num_classes, UserError,
               config.train_input.label_map, ": label id ", input.labels.max_id(),
               " exceeds model.ssd.num_classes ", config.model.num_classes);
  log << "train: " << input.num_examples() << " images from";
  for (const NamedDataset& s : input.sources)
    log << " " << s.name << " (" << s.examples.size()
        << (s.not_included ? ", " + std::to_string(s.not_included) + " not in include_stems" : "")
        << (s.excluded ? ", " + std::to_string(s.excluded) + " left out by exclude_classes" : "")
        << (s.labels_exhaustive ? ", labels exhaustive" : "") << ")";
  log << "\n";
  for (const InputSource& src : config.train_input.sources)
    for (const std::vector<std::string>& group : src.ambiguous_classes) {
      log << "train: " << src.name << ": ";
      for (size_t k = 0; k < group.size(); ++k) log << (k ? "/" : "") << group[k];
      log << " labels train their own class only (ambiguous_classes)\n";
    }
  return input;
}

// Per example of input.all(), the source it came from: what its labels rule in and out
// (ambiguous classes, exhaustive image labels) is the source's.
std::vector<const NamedDataset*> source_by_example(const InputData& input) {
  std::vector<const NamedDataset*> out;
  out.reserve(input.num_examples());
  for (const NamedDataset& s : input.sources) out.insert(out.end(), s.examples.size(), &s);
  return out;
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

// Where messages go on ranks other than 0 (rank 0 alone logs, like it alone writes files).
std::ostream& null_stream() {
  static std::ostream sink(nullptr);
  return sink;
}

// The threads per rank: as configured, else the cores shared among the ranks on this node.
int threads_per_rank(int configured, const dist::Communicator& comm) {
  if (configured > 0 || comm.size() == 1) return configured;
  int local = comm.size();
  if (const char* v = std::getenv("OMPI_COMM_WORLD_LOCAL_SIZE")) local = std::max(1, std::atoi(v));
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return std::max(1, cores / local);
}

TrainResult train(const PipelineConfig& config, const TrainOptions& options) {
  TAILOR_CHECK(dist::mpi_built() || !dist::launched_by_mpi(), UserError,
               "tailor was started by mpirun but built without MPI; rebuild with MPI "
               "(libopenmpi-dev) or run it without mpirun");
  dist::Communicator& comm = dist::world();
  const int ranks = comm.size();
  const bool root = comm.is_root();
  std::ostream& log = !root ? null_stream() : options.log ? *options.log : std::cerr;
  const TrainConfig& tc = config.train;
  TAILOR_CHECK(tc.batch_size % ranks == 0, UserError, config.path, ": train.batch_size ",
               tc.batch_size, " does not divide among ", ranks,
               " ranks; the global batch must be a multiple of the rank count");
  if (tc.device == Device::kCuda) require_cuda();
  set_num_threads(threads_per_rank(tc.threads, comm));
  const int64_t num_steps = options.num_steps >= 0 ? options.num_steps : tc.num_steps;
  const std::string out_dir = tc.output_dir;
  TAILOR_CHECK(!out_dir.empty(), UserError, config.path, ": train.output_dir is empty");

  // Setup: data, model, optimizer, the starting point, the loader and the logs.
  if (ranks > 1)
    log << "train: " << ranks << " ranks over " << comm.backend() << ", " << tc.batch_size / ranks
        << " images each of the global batch of " << tc.batch_size << ", " << num_threads()
        << " threads per rank\n";
  InputData input = load_train_input(config, log);
  const data::Dataset dataset = input.all();
  const std::vector<const NamedDataset*> source_of = source_by_example(input);
  const SampleWeights weights = sample_weights(input, config.train_input.repeat_factor_threshold);
  log << weights.report;
  models::SsdConfig model_config = config.model;
  model_config.init_seed = tc.seed;
  models::SsdModel model(model_config);
  log << freeze_variables(config, model.params());
  // CUDA device move: parameters live on the GPU before any restore copies into them; batches
  // are uploaded by SsdModel::forward, optimizer slots follow their variables.
  // One GPU per rank, by local rank, when there are several.
  if (tc.device == Device::kCuda) model.to(tailor::Device::cuda(local_gpu(comm)));
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
  data::LoaderOptions lo =
      build_train_loader_options(config, input.labels, weights.per_image, step);
  // Each rank its shard of every global batch.
  lo.batch_size = tc.batch_size / ranks;
  lo.shard_index = comm.rank();
  lo.shard_count = ranks;
  data::Loader loader(dataset, lo);

  // Rank 0 alone writes the logs, the checkpoints and DONE.
  std::unique_ptr<EventWriter> events;
  std::unique_ptr<MetricsCsv> csv;
  if (root) {
    events = std::make_unique<EventWriter>(out_dir);
    csv = std::make_unique<MetricsCsv>((fs::path(out_dir) / "metrics.csv").string(),
                                       options.resume ? step : -1);
  }
  ProgressOptions po;
  po.total = num_steps;
  po.start = step;
  po.log_every = tc.log_every;
  po.tty = root ? options.progress_tty : 0;
  po.out = &log;
  Progress progress(po);
  GradientAllreduce allreduce(comm);
  double allreduce_seconds = 0;

  auto save = [&](int64_t at) {
    if (ranks > 1) {
      // Every rank ran the same updates on the same averaged gradients: the weights must agree.
      double sum[2] = {weights_checksum(model.params()), 0};
      sum[1] = -sum[0];
      comm.allreduce_max(sum, 2);
      if (sum[0] != -sum[1])
        comm.abort(
            "step " + std::to_string(at) +
                ": the ranks' weights have diverged (checksums differ); no checkpoint "
                "written, the last one (" +
                (result.last_checkpoint.empty() ? std::string("none") : result.last_checkpoint) +
                ") is intact",
            1);
    }
    const std::string path = checkpoint_path(out_dir, at);
    if (root) {
      io::Checkpoint ckpt = make_train_checkpoint(model, optimizer, ema.get(), at, input.labels);
      const std::string bad = first_non_finite(ckpt);
      TAILOR_CHECK(bad.empty(), UserError, "step ", at, ": ", bad,
                   " is not finite; refusing to write a checkpoint");
      io::save_checkpoint(path, ckpt);
      prune_checkpoints(out_dir, tc.keep_checkpoints);
    }
    result.last_checkpoint = path;
  };
  auto log_scalars = [&](int64_t at, const Scalars& scalars) {
    if (!root) return;
    events->add_scalars(at, scalars);
    events->flush();
    csv->add(at, scalars);
    csv->flush();
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
  // Ctrl-C reaches the ranks at different moments: they stop together, at the same step.
  auto stop_requested = [&] {
    double stop = options.stop && options.stop->load() ? 1 : 0;
    if (ranks > 1) comm.allreduce_max(&stop, 1);
    return stop > 0;
  };

  // The loop: a batch, a step, then whatever is due (log line, checkpoint, evaluation).
  const Clock::time_point start = Clock::now();
  int64_t last_saved = step;
  double window_seconds = 0;
  int64_t window_images = 0;
  while (step < num_steps) {
    if (stop_requested()) {
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
    ctx.source_of = &source_of;
    ctx.comm = &comm;
    ctx.allreduce = &allreduce;
    const StepLosses losses = train_step(model, optimizer, ema.get(), batch, ctx);
    allreduce_seconds += losses.allreduce_seconds;
    ++step;
    result.losses.push_back(losses.total);
    window_seconds += seconds_since(t0);
    window_images += batch.size;

    progress.update(step, {{"loss", losses.total}, {"lr", ctx.learning_rate}});
    if (step % tc.log_every == 0 || step == num_steps) {
      log_scalars(step,
                  {{"loss/total", losses.total},
                   {"loss/classification", losses.classification},
                   {"loss/localization", losses.localization},
                   {"loss/regularization", losses.regularization},
                   {"learning_rate", ctx.learning_rate},
                   {"images_per_sec", ranks * window_images / std::max(window_seconds, 1e-9)}});
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
  if (ranks > 1 && ran > 0) {
    result.allreduce_seconds_per_step = allreduce_seconds / ran;
    log << "train: gradient allreduce " << 1e3 * result.allreduce_seconds_per_step
        << " ms/step over " << ranks << " ranks\n";
  }
  if (!root) return result;
  std::ostringstream done;
  done << "{\"global_step\": " << step << ", \"checkpoint\": \"" << result.last_checkpoint
       << "\", \"seconds_per_step\": " << result.seconds_per_step << "}\n";
  io::write_file_atomic((fs::path(out_dir) / "DONE").string(), done.str());
  log << "train: done at step " << step << " (" << format_duration(seconds_since(start)) << ", "
      << result.seconds_per_step << " s/step); checkpoint " << result.last_checkpoint << "\n";
  return result;
}

}  // namespace tailor::pipeline
