// `tailor train --config C [--device cpu|cuda] [--steps N] [--resume] [--output-dir D]`: the
// training loop (pipeline/train) with evaluation every eval.every_n_steps when the config has
// an eval_input. Ctrl-C stops after the current step and saves a checkpoint first.
#include <iostream>
#include <memory>

#include "app/command.h"
#include "app/stop_signal.h"
#include "pipeline/build/builders.h"
#include "pipeline/build/conv_impl.h"
#include "pipeline/config/pipeline_config.h"
#include "pipeline/eval/evaluator.h"
#include "pipeline/input/input_data.h"
#include "pipeline/train/trainer.h"
#include "runtime/dist/communicator.h"
#include "runtime/error.h"

namespace {

struct TrainArgs {
  std::string config;
  std::string device;
  int64_t steps = -1;
  bool resume = false;
  bool no_eval = false;
  std::string output_dir;
  int threads = -1;
  std::string conv_impl;  // --conv-impl depthwise=X,pointwise=Y
};

void run_train(const TrainArgs& a) {
  using namespace tailor;
  using namespace tailor::pipeline;
  PipelineConfig config = load_pipeline_config(a.config);
  if (a.device == "cuda") config.train.device = pipeline::Device::kCuda;
  if (a.device == "cpu") config.train.device = pipeline::Device::kCpu;
  if (!a.output_dir.empty()) config.train.output_dir = a.output_dir;
  if (a.threads >= 0) config.train.threads = a.threads;
  config.conv_impl = apply_conv_impl(config.conv_impl, a.conv_impl);  // CUDA conv kernels

  TrainOptions options;
  options.num_steps = a.steps;
  options.resume = a.resume;
  options.stop = tailor::app::StopSignalScope::flag();
  // Evaluation on eval_input every eval.every_n_steps and at the end, written under
  // OUTPUT_DIR/eval/step-N/ and logged as eval/<source>/<metric> scalars.
  InputData eval_data;
  EvalOptions eval_opts = build_eval_options(config);
  if (config.has_eval_input && !a.no_eval) {
    eval_data = load_input(config.eval_input, "eval_input");
    eval_opts.stop = tailor::app::StopSignalScope::flag();
    // Data-parallel runs shard the evaluation too; rank 0 reports.
    dist::Communicator& comm = dist::world();
    if (comm.size() > 1) eval_opts.comm = &comm;
    eval_opts.progress = comm.is_root();
    options.evaluate = [&](models::SsdModel& model, int64_t step) {
      eval_opts.step = step;
      eval_opts.output_dir = config.train.output_dir + "/eval/step-" + std::to_string(step);
      EvalResult r = evaluate(model, eval_data.labels, eval_data.sources, eval_opts);
      if (comm.is_root()) std::cerr << format_eval_report(r);
      return r.scalars;
    };
  }
  TrainResult r;
  {
    const tailor::app::StopSignalScope stop_on_signal;
    r = train(config, options);
  }
  if (r.interrupted)
    throw UserError("training interrupted at step " + std::to_string(r.last_step) +
                    "; checkpoint " + r.last_checkpoint + " is saved: rerun with --resume");
}

}  // namespace

TAILOR_COMMAND("train", "Train an SSD detector from a YAML config", [](CLI::App& cmd) {
  auto a = std::make_shared<TrainArgs>();
  cmd.add_option("--config,-c", a->config, "Pipeline config (YAML)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd.add_option("--device", a->device, "cpu or cuda (overrides train.device)")
      ->check(CLI::IsMember({"cpu", "cuda"}));
  cmd.add_option("--steps", a->steps, "Train to this global step (overrides train.num_steps)")
      ->check(CLI::NonNegativeNumber);
  cmd.add_flag("--resume", a->resume,
               "Continue from the newest checkpoint in the output directory, bit for bit");
  cmd.add_option("--output-dir", a->output_dir, "Overrides train.output_dir");
  cmd.add_flag("--no-eval", a->no_eval, "Skip the evaluations on eval_input");
  cmd.add_option("--threads", a->threads, "CPU threads (0: one per core; overrides train.threads)")
      ->check(CLI::NonNegativeNumber);
  cmd.add_option("--conv-impl", a->conv_impl,
                 "CUDA convolution kernels, e.g. depthwise=handwritten,pointwise=cublas "
                 "(depthwise: handwritten|cudnn|auto; pointwise: handwritten|cublas|cudnn|auto; "
                 "overrides model.ssd.conv_impl)");
  cmd.callback([a] { run_train(*a); });
});
