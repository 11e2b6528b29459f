#pragma once
// `tailor bench model`: SSD-MobileNet-v1 at 300x300 end to end on synthetic data. Per batch
// size: the training step (forward, ssd_loss, backward, RMSProp update), inference latency and
// throughput (forward + detect without autograd), and the allocator's peak memory of each.
#include <iosfwd>
#include <string>
#include <vector>

#include "bench/layer_profile.h"
#include "runtime/cuda/work_counts.h"

namespace tailor::bench {

struct ModelBenchOptions {
  std::string device = "cpu";
  std::vector<int> batches{1, 10, 32};
  float depth = 1.0f;
  int num_classes = 90;  // the COCO ssd_mobilenet_v1; the peer builds the same head
  // Timed runs after one warm-up; small by default since a batch-32 training step takes
  // seconds on 2 cores.
  int train_iters = 3;
  int infer_iters = 5;
  std::string json_path;
  // "", or a comma-separated list of pytorch, onnxruntime, openvino.
  std::string peer;
  // Busy processes at nice 19 for a second, loaded pass after the quiet one (0: none).
  int background_load = 0;
  // Tailor and the peers timed in turn this many times (quiet and loaded in turn too), with
  // each round's ratios and their min / median / max: this VM's speed moves 1.6x within
  // seconds, so only ratios taken in the same minute compare like with like.
  int rounds = 1;
  // Also time the CPU inference forward step by step (bench/layer_profile.h).
  bool layers = false;
  // Train with batch norm on its moving statistics (the recipe's fine-tune), in the peer too.
  bool freeze_batchnorm = false;
};

// What one step queued on a GPU (all zero on the CPU) and how long it took.
struct GpuWork {
  cuda::WorkCounts work;
  double ms = 0;  // wall time, waiting for the device before and after
};

struct ModelBenchRow {
  int batch = 0;
  double train_step_ms = 0, train_images_per_s = 0;
  double infer_ms = 0, infer_images_per_s = 0;
  double forward_ms = 0;       // inference forward alone, without detect()
  double nhwc_forward_ms = 0;  // the same on NHWC activations throughout (CPU only)
  double train_peak_mb = 0, infer_peak_mb = 0;  // allocator peak during the timed runs
  int train_reps = 0, infer_reps = 0;
  float loss = 0;                 // last training loss, to show the step computed something finite
  std::vector<LayerTime> layers;  // --layers: the forward by step
  std::vector<BackwardProfile::OpTime> backward_ops;  // --layers: the backward by op (summed)
  int backward_runs = 0;
  GpuWork train_work, infer_work;  // CUDA: one training step's / one inference's work
  // CUDA: one training step again, phase by phase (forward, loss, backward, RMSProp).
  std::vector<std::pair<std::string, GpuWork>> train_phases;
};

struct ModelBenchReport {
  std::vector<ModelBenchRow> rows;         // the first round's
  std::vector<ModelBenchRow> loaded_rows;  // under --background-load (the first round's)
  std::string skipped;                     // "cuda: skipped (no CUDA device: ...)"
};

ModelBenchReport run_model_bench(const ModelBenchOptions& options, std::ostream& out);

}  // namespace tailor::bench
