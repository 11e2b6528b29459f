// `tailor eval --config C --checkpoint P [--data SPEC ...] [--format F] [--out DIR] [--watch]
// [--batch-size N] [--max-images N] [--threads N]`: Pascal VOC AP, COCO AP and top-1 tagging
// accuracy of a checkpoint on the config's eval_input (or the --data sources), per source and
// overall. --watch is the TF OD API's continuous eval job: it evaluates every checkpoint a
// training run writes, logging TensorBoard scalars and metrics.csv under RUN/eval/, and exits
// after the run's last checkpoint (or on Ctrl-C).
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>
#include <system_error>

#include "app/command.h"
#include "app/stop_signal.h"
#include "pipeline/build/builders.h"
#include "pipeline/config/pipeline_config.h"
#include "pipeline/eval/evaluator.h"
#include "pipeline/eval/watch.h"
#include "pipeline/input/input_data.h"
#include "pipeline/logging/event_writer.h"
#include "pipeline/logging/metrics_csv.h"
#include "pipeline/model_io/checkpoint_files.h"
#include "pipeline/model_io/load_detector.h"
#include "runtime/error.h"
#include "runtime/thread_pool.h"

namespace fs = std::filesystem;

namespace {

struct EvalArgs {
  std::string config;
  std::string checkpoint;
  std::vector<std::string> data;
  std::string format;
  std::string out;
  bool watch = false;
  int batch_size = 0;
  int max_images = -1;
  int threads = -1;
  double poll_seconds = 5;
};

// The eval data: the config's eval_input, or the --data sources read with its label map.
tailor::pipeline::InputData eval_data(const EvalArgs& a,
                                      const tailor::pipeline::PipelineConfig& config) {
  using namespace tailor;
  using namespace tailor::pipeline;
  if (a.data.empty()) {
    TAILOR_CHECK(config.has_eval_input, UserError, config.path,
                 ": no eval_input section; add one or pass --data");
    return load_input(config.eval_input, "eval_input");
  }
  InputConfig in = config.has_eval_input ? config.eval_input : config.train_input;
  if (!a.format.empty()) in.format = data::parse_format(a.format);
  in.sources.clear();
  for (const std::string& spec : a.data) {
    // Without --format, a folder says what it is (a catalog's labels.csv, VOC's annotations/),
    // so box-labelled and image-level sets can be evaluated in one run.
    data::Format format = in.format;
    if (a.format.empty()) data::guess_format(spec, &format);
    in.sources.push_back(parse_source_spec(spec, format));
  }
  return load_input(in, "--data");
}

void print_summary(const tailor::pipeline::EvalResult& r, const std::string& what) {
  std::cout << tailor::pipeline::format_eval_report(r) << what << ": " << r.overall.images.size()
            << " images in " << std::fixed << std::setprecision(1) << r.seconds << " s";
  std::cout.unsetf(std::ios::floatfield);
  for (const auto& [tag, v] : r.scalars)
    if (tag.rfind("eval/all/", 0) == 0 && tag.find("AP@0.5/") == std::string::npos &&
        tag.find("confidence") == std::string::npos)
      std::cout << "  " << tag.substr(9) << " " << std::setprecision(4) << v;
  std::cout << "\n";
  if (!r.files.empty())
    std::cout << "wrote " << fs::path(r.files.back()).parent_path().string() << "\n";
}

struct Evaluation {
  tailor::pipeline::EvalResult result;
  int64_t step = 0;
};

Evaluation evaluate_checkpoint(const std::string& path, const std::string& out_dir,
                               const tailor::pipeline::InputData& data,
                               const tailor::pipeline::EvalOptions& base) {
  using namespace tailor::pipeline;
  LoadDetectorOptions lo;
  LoadedDetector det = load_detector(path, lo);
  EvalOptions opts = base;
  opts.output_dir = out_dir;
  opts.checkpoint = path;
  opts.step = det.global_step;
  Evaluation e;
  e.step = std::max<int64_t>(det.global_step, 0);
  e.result = evaluate(*det.model, data.labels, data.sources, opts);
  return e;
}

void run_eval(const EvalArgs& a) {
  using namespace tailor;
  using namespace tailor::pipeline;
  const PipelineConfig config = load_pipeline_config(a.config);
  if (!a.watch && a.checkpoint.empty())
    throw UsageError("--checkpoint is required (a checkpoint file, or a run folder)");
  if (!a.format.empty()) data::parse_format(a.format);
  set_num_threads(a.threads >= 0 ? a.threads : config.train.threads);

  EvalOptions opts = build_eval_options(config);
  if (a.batch_size > 0) opts.batch_size = a.batch_size;
  if (a.max_images >= 0) opts.max_images = a.max_images;
  if (a.threads >= 0) opts.threads = a.threads;
  opts.stop = tailor::app::StopSignalScope::flag();
  std::error_code ec;
  const bool checkpoint_is_dir = !a.checkpoint.empty() && fs::is_directory(a.checkpoint, ec);
  // The checkpoint is found before the (slower) data is read, so a typo fails at once.
  std::string path = a.checkpoint;
  if (!a.watch && checkpoint_is_dir) {
    const std::vector<CheckpointFile> all = list_checkpoints(path);
    TAILOR_CHECK(!all.empty(), UserError, path,
                 ": no checkpoint (ckpt-STEP.safetensors) in this folder");
    path = all.back().path;
  }
  TAILOR_CHECK(a.watch || fs::exists(path, ec), UserError, path, ": no such checkpoint");
  const InputData data = eval_data(a, config);
  const tailor::app::StopSignalScope stop_on_signal;

  if (!a.watch) {
    const std::string out =
        !a.out.empty()
            ? a.out
            : (fs::path(config.train.output_dir) / "eval" / fs::path(path).stem()).string();
    Evaluation e = evaluate_checkpoint(path, out, data, opts);
    if (e.result.interrupted) throw UserError("eval of " + path + " interrupted");
    print_summary(e.result, path);
    return;
  }

  const std::string run_dir = checkpoint_is_dir ? a.checkpoint : config.train.output_dir;
  const std::string eval_root = !a.out.empty() ? a.out : (fs::path(run_dir) / "eval").string();
  fs::create_directories(eval_root, ec);
  TAILOR_CHECK(!ec, UserError, eval_root, ": cannot create the eval folder: ", ec.message());
  EventWriter events(eval_root);
  // Rows of an earlier watch of the same run are kept: its checkpoints are skipped below.
  MetricsCsv csv((fs::path(eval_root) / "metrics.csv").string(), INT64_MAX);
  auto out_dir = [&](const CheckpointFile& c) {
    return (fs::path(eval_root) / fs::path(c.path).stem()).string();
  };

  WatchOptions w;
  w.run_dir = run_dir;
  w.poll_seconds = a.poll_seconds;
  w.stop = tailor::app::StopSignalScope::flag();
  w.already_evaluated = [&](const CheckpointFile& c) {
    const bool done = fs::exists(fs::path(out_dir(c)) / "metrics.json");
    if (done) std::cerr << "eval: " << c.path << " already evaluated; skipped\n";
    return done;
  };
  w.evaluate = [&](const CheckpointFile& c) {
    std::cerr << "eval: " << c.path << "\n";
    Evaluation e = evaluate_checkpoint(c.path, out_dir(c), data, opts);
    if (e.result.interrupted) return;  // the watch loop sees the stop flag next
    const int64_t step = e.step > 0 ? e.step : c.step;
    events.add_scalars(step, e.result.scalars);
    events.flush();
    csv.add(step, e.result.scalars);
    csv.flush();
    print_summary(e.result, c.path);
  };
  const WatchResult r = watch_checkpoints(w);
  if (r.stopped) std::cerr << "eval: stopped; " << r.evaluated << " checkpoint(s) evaluated\n";
}

}  // namespace

TAILOR_COMMAND("eval", "Evaluate checkpoints: VOC AP, COCO AP, top-1 tagging accuracy",
               [](CLI::App& cmd) {
                 auto a = std::make_shared<EvalArgs>();
                 cmd.add_option("--config,-c", a->config, "Pipeline config (YAML)")
                     ->required()
                     ->check(CLI::ExistingFile);
                 cmd.add_option("--checkpoint", a->checkpoint,
                                "Checkpoint file, or a run folder (its newest checkpoint; with "
                                "--watch, the folder to watch)");
                 cmd.add_option("--data", a->data,
                                "Eval source instead of eval_input (DIR, DIR:SPLIT[,SPLIT], FILE); "
                                "repeatable");
                 cmd.add_option("--format", a->format,
                                "Format of the --data sources (default: eval_input's)");
                 cmd.add_option("--out", a->out,
                                "Output folder (default: OUTPUT_DIR/eval/<checkpoint stem>; "
                                "with --watch, the folder for every checkpoint's results)");
                 cmd.add_flag("--watch", a->watch,
                              "Evaluate every new checkpoint of the run as it appears, until "
                              "the run is done");
                 cmd.add_option("--batch-size", a->batch_size,
                                "Images per forward pass (default: train.batch_size)")
                     ->check(CLI::Range(1, tailor::pipeline::kMaxBatchSize));
                 cmd.add_option("--max-images", a->max_images,
                                "Evaluate the first N images of each source (0: all)")
                     ->check(CLI::NonNegativeNumber);
                 cmd.add_option("--threads", a->threads, "CPU threads (0: one per core)")
                     ->check(CLI::Range(0, tailor::pipeline::kMaxThreads));
                 cmd.add_option("--poll-seconds", a->poll_seconds,
                                "--watch: seconds between looks for new checkpoints")
                     ->check(CLI::Range(0.1, 3600.0));
                 cmd.callback([a] { run_eval(*a); });
               });
