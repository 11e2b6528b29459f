// `tailor bench`: kernels (convolution passes on the SSD-MobileNet-v1 shapes, every
// implementation, verified, against the measured roofline and the library), model (training
// step and inference), data (app/cmd_data.cpp) and detect (per-stage detection timings).
// OpenBLAS reads OPENBLAS_CORETYPE when the library loads, before main(), so it must be set on
// the command line: `OPENBLAS_CORETYPE=SkylakeX tailor bench kernels` on Zen 5.
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "app/command.h"
#include "bench/conv_micro.h"
#include "bench/detect_bench.h"
#include "bench/model_bench.h"
#include "runtime/error.h"

namespace tailor::app {
void register_bench_data(CLI::App& bench);  // app/cmd_data.cpp: `tailor bench data`
}  // namespace tailor::app

namespace {

using namespace tailor;

tailor::bench::ConvPass parse_pass(const std::string& s) {
  if (s == "forward") return bench::ConvPass::Forward;
  if (s == "backward-data") return bench::ConvPass::BackwardData;
  if (s == "backward-filter") return bench::ConvPass::BackwardFilter;
  throw UsageError("--pass: unknown pass '" + s +
                   "' (expected forward, backward-data or backward-filter)");
}

void add_kernels(CLI::App& cmd) {
  auto o = std::make_shared<bench::KernelBenchOptions>();
  auto passes = std::make_shared<std::vector<std::string>>(
      std::vector<std::string>{"forward", "backward-data", "backward-filter"});
  CLI::App* c = cmd.add_subcommand(
      "kernels",
      "Depthwise 3x3 and pointwise 1x1 convolutions on every SSD-MobileNet-v1 shape (depth 1.0 "
      "and 0.75), forward and backward, each implementation verified and timed against the "
      "measured roofline and the library");
  c->add_option("--device", o->device, "cpu or cuda")
      ->check(CLI::IsMember({"cpu", "cuda"}))
      ->capture_default_str();
  c->add_option("--impl", o->impls,
                "Implementations to run, comma separated (default: all available): cpu, "
                "cpu-openblas, cuda-handwritten, cuda-cudnn, cuda-cublas")
      ->delimiter(',');
  c->add_option("--batch", o->batches, "Batch sizes, comma separated")
      ->delimiter(',')
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  c->add_option("--depth", o->depths, "Depth multipliers, comma separated")
      ->delimiter(',')
      ->check(CLI::Range(0.01, 4.0))
      ->capture_default_str();
  c->add_option("--pass", *passes, "Passes: forward, backward-data, backward-filter")
      ->delimiter(',')
      ->capture_default_str();
  c->add_flag("--quick", o->quick, "One shape per op and pass, 3 runs (a smoke test)");
  c->add_option("--json", o->json_path, "Also write the results as a JSON list to this file");
  c->add_option("--csv", o->csv_path, "Also write the results as CSV to this file");
  c->add_option("--peer", o->peer, "Also time the same kernels in a peer framework: pytorch");
  c->callback([o, passes] {
    o->passes.clear();
    for (const std::string& p : *passes) o->passes.push_back(parse_pass(p));
    const bench::KernelBenchReport report = bench::run_kernel_bench(*o, std::cout);
    if (!report.all_verified)
      throw std::runtime_error("bench kernels: results do not match the reference (see FAIL rows)");
  });
}

void add_model(CLI::App& cmd) {
  auto o = std::make_shared<bench::ModelBenchOptions>();
  CLI::App* c = cmd.add_subcommand(
      "model",
      "SSD-MobileNet-v1 300x300: training step (forward + loss + backward + RMSProp), inference "
      "latency and throughput (forward + NMS), peak memory");
  c->add_option("--device", o->device, "cpu or cuda")
      ->check(CLI::IsMember({"cpu", "cuda"}))
      ->capture_default_str();
  c->add_option("--batch", o->batches, "Batch sizes, comma separated")
      ->delimiter(',')
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  c->add_option("--depth", o->depth, "Depth multiplier")
      ->check(CLI::Range(0.01, 4.0))
      ->capture_default_str();
  c->add_option("--num-classes", o->num_classes, "Object classes of the head")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  c->add_option("--train-iters", o->train_iters, "Timed training steps per batch size")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  c->add_option("--infer-iters", o->infer_iters, "Timed inference runs per batch size")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  c->add_option("--json", o->json_path, "Also write the results as JSON to this file");
  c->add_option("--peer", o->peer,
                "Also time the same model in peers: pytorch, onnxruntime, openvino (comma "
                "separated; scripts/bench_peer_setup.sh installs them)");
  c->add_option("--background-load", o->background_load,
                "Time everything again while N busy processes run at nice 19, and print the "
                "slowdown")
      ->check(CLI::Range(0, 256))
      ->capture_default_str();
  c->add_option("--rounds", o->rounds,
                "Time Tailor and the peers in turn this many times and print each ratio's min, "
                "median and max over the rounds (for a machine whose speed drifts)")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  c->add_flag("--layers", o->layers,
              "Also time the CPU inference forward step by step (ms, GFLOP/s and share per "
              "layer) and the training step's backward op by op");
  c->add_flag("--freeze-batchnorm", o->freeze_batchnorm,
              "Train with batch norm on its moving statistics (freeze_batchnorm, as the "
              "clothing recipe fine-tunes), in the PyTorch peer too");
  c->callback([o] { bench::run_model_bench(*o, std::cout); });
}

void add_detect(CLI::App& cmd) {
  auto o = std::make_shared<bench::DetectBenchOptions>();
  CLI::App* c = cmd.add_subcommand(
      "detect",
      "Detection over a folder of images with the time per stage (decode, preprocess, model, "
      "NMS); optionally writes the detections JSON");
  c->add_option("--images", o->images, "Folder of .jpg/.png images (or one image)")->required();
  c->add_option("--model", o->model, "Model: .tflite or Tailor checkpoint")->required();
  c->add_option("--labels", o->labels, "Label map (.pbtxt or labelmap.txt)");
  c->add_option("--out", o->out, "Write every image's detections to this JSON file");
  c->add_option("--device", o->device, "cpu or cuda")
      ->check(CLI::IsMember({"cpu", "cuda"}))
      ->capture_default_str();
  c->add_option("--batch", o->batch_size, "Images per forward pass")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  c->add_option("--threshold", o->score_threshold, "Score threshold for the reported detections")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  c->add_option("--warmup", o->warmup, "Images run first and not counted")
      ->check(CLI::Range(0, 1000))
      ->capture_default_str();
  c->callback([o] { bench::run_detect_bench(*o, std::cout); });
}

void setup_bench(CLI::App& cmd) {
  cmd.require_subcommand(1);
  tailor::app::register_bench_data(cmd);
  add_kernels(cmd);
  add_model(cmd);
  add_detect(cmd);
}

}  // namespace

TAILOR_COMMAND("bench", "Benchmarks: kernels, model, data, detect", setup_bench);
