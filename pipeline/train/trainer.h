#pragma once
// `tailor train`: the training loop of the TF Object Detection API's train.py in one process.
// Reads the train input, builds the model, restores a fine-tune checkpoint or resumes the
// run's latest checkpoint, then steps RMSProp with staircase exponential decay (and the
// optional EMA), logging TensorBoard scalars and metrics.csv, checkpointing every N steps and
// at the end, and evaluating through the caller's hook.
#include <atomic>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "models/ssd_model.h"
#include "pipeline/config/pipeline_config.h"
#include "pipeline/logging/event_writer.h"

namespace tailor::pipeline {

struct TrainOptions {
  int64_t num_steps = -1;  // overrides train.num_steps when >= 0
  bool resume = false;     // continue from the newest checkpoint in output_dir
  // Evaluates the model at a step (weights as trained, or their EMA when the config asks);
  // returns scalars to log. Called every eval.every_n_steps and after the last step.
  std::function<Scalars(models::SsdModel& model, int64_t step)> evaluate;
  std::ostream* log = nullptr;  // messages; default std::cerr
  int progress_tty = -1;        // -1: detect
  // Set (e.g. by SIGINT) to stop after the current step; a checkpoint is written first.
  const std::atomic<bool>* stop = nullptr;
};

struct TrainResult {
  int64_t first_step = 0;     // the global step training started from
  int64_t last_step = 0;      // the global step reached
  std::vector<float> losses;  // total loss of every step run, in order
  std::string last_checkpoint;
  bool interrupted = false;
  double seconds_per_step = 0;
  double allreduce_seconds_per_step = 0;  // data-parallel runs
};

// Throws UserError for bad input (config, data, checkpoints) and for a non-finite loss, which
// names the step and the first non-finite tensor; no checkpoint with non-finite values is
// ever written.
//
// Under mpirun (dist::world() has several ranks) training is data-parallel: train.batch_size
// is the global batch, each rank trains on its shard (batch_size / ranks images, an error
// when that does not divide), the loss is the global batch's and the gradients are averaged
// before the identical update on every rank; the weights are compared (checksums) at each
// checkpoint. Frozen batch norm needs nothing; training batch norm uses each rank's own batch
// statistics, as TF's default does. Rank 0 alone writes checkpoints, events, metrics.csv and
// the progress; every rank resumes from the same checkpoint, with any rank count that divides
// the global batch, and continues the same global schedule.
TrainResult train(const PipelineConfig& config, const TrainOptions& options = {});

}  // namespace tailor::pipeline
