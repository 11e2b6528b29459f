#pragma once
// `tailor eval --watch`: the continuous eval job of the TF Object Detection API, which evaluates
// each checkpoint a training run writes while it runs. Polls the run directory for
// ckpt-STEP.safetensors, hands every checkpoint not yet evaluated to the caller in step order,
// and returns once the run has written its DONE marker and the checkpoints present then are
// all evaluated, or when `stop` is set.
//
// Every new checkpoint is evaluated, not only the newest: the trainer keeps only the last K
// checkpoints, which bounds the backlog when evaluation is slower than training. One pruned
// before its turn is skipped with a note.
#include <atomic>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>

#include "pipeline/model_io/checkpoint_files.h"

namespace tailor::pipeline {

struct WatchOptions {
  std::string run_dir;        // where the trainer writes checkpoints and DONE
  double poll_seconds = 5.0;  // between directory scans
  // Evaluates one checkpoint. Called at most once per checkpoint in this process.
  std::function<void(const CheckpointFile&)> evaluate;
  // Whether a checkpoint was evaluated by an earlier run (e.g. its metrics.json exists);
  // those are skipped. Optional.
  std::function<bool(const CheckpointFile&)> already_evaluated;
  const std::atomic<bool>* stop = nullptr;
  std::ostream* log = nullptr;  // default std::cerr
  // Waits `seconds`; tests inject one that advances a fake run. Default: sleeps in short
  // slices, returning early when `stop` is set.
  std::function<void(double seconds)> sleep;
};

struct WatchResult {
  int evaluated = 0;
  int skipped = 0;         // already evaluated, or pruned before their turn
  int64_t last_step = -1;  // of the last checkpoint evaluated
  bool stopped = false;    // by `stop`, not by DONE
};

// The marker the trainer writes when a run finishes.
std::string done_marker_path(const std::string& run_dir);

WatchResult watch_checkpoints(const WatchOptions& options);

}  // namespace tailor::pipeline
