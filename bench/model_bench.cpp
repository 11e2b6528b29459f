#include "bench/model_bench.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iomanip>
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>
#include <random>
#include <sstream>
#include <stdexcept>

#include "bench/background_load.h"
#include "bench/model_compare.h"
#include "bench/peer.h"
#include "bench/timing.h"
#include "engine/autograd.h"
#include "engine/optim/rmsprop.h"
#include "models/post_process.h"
#include "models/ssd_inference.h"
#include "models/ssd_loss.h"
#include "models/ssd_model.h"
#include "runtime/allocator.h"
#include "runtime/cpu_features.h"
#include "runtime/device.h"
#include "runtime/io/atomic_file.h"
#ifdef TAILOR_WITH_CUDA
#include "runtime/cuda/stream.h"
#include "runtime/cuda/work_counts.h"
#endif
#include "runtime/thread_pool.h"

namespace tailor::bench {

namespace {

// Images in [-1, 1] as the preprocessor leaves them.
Tensor synthetic_images(int batch, int size, uint64_t seed) {
  std::mt19937 rng(static_cast<uint32_t>(seed));
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  std::vector<float> v(static_cast<size_t>(batch) * size * size * 3);
  for (float& x : v) x = u(rng);
  return Tensor::from_vector(v, {batch, size, size, 3});
}

// Two objects per image, a large and a small one, classes cycling through the label range:
// enough matches for the loss and hard-example mining to do their usual work.
std::vector<models::GroundTruth> synthetic_groundtruth(int batch, int num_classes) {
  std::vector<models::GroundTruth> gt(static_cast<size_t>(batch));
  for (int i = 0; i < batch; ++i) {
    const float o = 0.02f * float(i % 5);
    gt[i].boxes = {{0.1f + o, 0.15f, 0.7f + o, 0.6f}, {0.55f, 0.5f - o, 0.8f, 0.9f - o}};
    gt[i].classes = {1 + (2 * i) % num_classes, 1 + (2 * i + 1) % num_classes};
  }
  return gt;
}

double mb(size_t bytes) {
  return double(bytes) / (1024.0 * 1024.0);
}

// Runs `fn` once and returns how long it took and what it queued on a GPU, waiting for the
// device before and after (on the CPU: the time alone).
template <typename Fn>
GpuWork gpu_work_of(Fn&& fn, Device device) {
  GpuWork w;
#ifdef TAILOR_WITH_CUDA
  if (device.is_cuda()) cuda::synchronize(device.index);
  const cuda::WorkCounts before = cuda::work_counts();
#endif
  const auto t0 = std::chrono::steady_clock::now();
  fn();
#ifdef TAILOR_WITH_CUDA
  w.work = cuda::work_counts() - before;
  if (device.is_cuda()) cuda::synchronize(device.index);
#endif
  w.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  return w;
}

std::string gpu_work_str(const GpuWork& w) {
  const cuda::WorkCounts& c = w.work;
  return std::to_string(c.launches) + " kernel launches, " + std::to_string(c.library_calls) +
         " cuBLAS/cuDNN calls, " + std::to_string(c.copies) + " copies/memsets, " +
         std::to_string(c.host_waits) + " host waits";
}

nlohmann::json gpu_work_json(const GpuWork& w) {
  const cuda::WorkCounts& c = w.work;
  return {{"ms", w.ms},
          {"launches", c.launches},
          {"library_calls", c.library_calls},
          {"copies", c.copies},
          {"host_waits", c.host_waits}};
}

// The NHWC forward's cell: measured on the CPU only, "-" elsewhere.
std::string nhwc_cell(double ms) {
  if (ms <= 0) return "-";
  std::ostringstream s;
  s << std::fixed << std::setprecision(1) << ms;
  return s.str();
}

// Tailor's rows, one per batch size, printed as they come.
std::vector<ModelBenchRow> time_tailor(const ModelBenchOptions& options,
                                       const models::SsdConfig& config, Device device,
                                       std::ostream& out) {
  Allocator& alloc = allocator_for(device);
  out << std::right << std::setw(6) << "batch" << std::setw(12) << "train_ms" << std::setw(10)
      << "img/s" << std::setw(12) << "train_MB" << std::setw(12) << "infer_ms" << std::setw(10)
      << "img/s" << std::setw(12) << "forward_ms" << std::setw(12) << "nhwc" << std::setw(12)
      << "infer_MB" << std::setw(10) << "loss"
      << "\n";
  std::vector<ModelBenchRow> rows;
  for (int batch : options.batches) {
    ModelBenchRow row;
    row.batch = batch;
    models::SsdModel model(config);
    if (!device.is_cpu()) model.to(device);
    optim::RMSProp optimizer(optim::RMSPropOptions{0.9f, 0.9f, 1.0f});  // the TF OD config
    Tensor images = synthetic_images(batch, config.image_height, uint64_t(batch));
    if (!device.is_cpu()) images = images.to(device);
    const std::vector<models::GroundTruth> gt = synthetic_groundtruth(batch, config.num_classes);

    // One training step, returning its loss; `phase(name, fn)` runs each part (the by-phase
    // step times them).
    auto phased_step = [&](auto&& phase) {
      model.params().zero_grad();
      models::SsdOutput o;
      models::SsdLosses losses;
      phase("forward", [&] { o = model.forward(images, /*training=*/true); });
      phase("loss", [&] {
        losses = models::ssd_loss(o, model.anchor_boxes(), gt, model.params(), config);
      });
      phase("backward", [&] { losses.total.backward(); });
      phase("RMSProp", [&] { optimizer.apply(model.params(), 1e-4f); });
      return losses.total;
    };
    auto train_step = [&] {
      // .item() also waits for a GPU to finish the step.
      row.loss = phased_step([](const char*, auto&& fn) { fn(); }).item();
    };
    train_step();  // warm-up: slots, allocator caches, kernel autotuning
    alloc.reset_peak();
    const Timing train = time_runs(train_step, {0, options.train_iters, options.train_iters, 0});
    row.train_peak_mb = mb(alloc.peak_bytes());
    row.train_step_ms = train.median_ms;
    row.train_reps = train.reps;
    row.train_images_per_s = 1e3 * batch / train.median_ms;
    if (!device.is_cpu()) row.train_work = gpu_work_of(train_step, device);
    // One more step by phase: where its time (and on a GPU its launches) go.
    phased_step([&](const char* name, auto&& fn) {
      row.train_phases.emplace_back(name, gpu_work_of(fn, device));
    });
    if (options.layers) {
      BackwardProfile profile;
      for (int r = 0; r < options.train_iters; ++r) train_step();
      row.backward_ops = profile.ops();
      row.backward_runs = options.train_iters;
    }

    model.params().zero_grad();
    {
      // Inference as detect and eval run it: the inference path (models/ssd_inference.h) on
      // the CPU, the training graph in inference mode on a GPU.
      NoGradGuard no_grad;
      std::unique_ptr<models::SsdInference> fast;
      if (device.is_cpu()) fast = std::make_unique<models::SsdInference>(model);
      const Tensor host_images = images.to(Device::cpu()).contiguous();
      auto forward = [&] {
        return fast ? fast->run(host_images.data<float>(), batch)
                    : model.forward(images, /*training=*/false);
      };
      auto infer = [&] {
        models::SsdOutput o = forward();
        const auto dets =
            models::detect(o, model.anchor_boxes(), config.box_coder, config.post_process);
        if (dets.size() != static_cast<size_t>(batch))
          throw std::runtime_error("bench model: detect returned a wrong batch");
      };
      infer();
      alloc.reset_peak();
      const Timing inf = time_runs(infer, {0, options.infer_iters, options.infer_iters, 0});
      row.infer_peak_mb =
          mb(alloc.peak_bytes()) + (fast ? mb(fast->planned_floats(batch) * sizeof(float)) : 0);
      row.infer_ms = inf.median_ms;
      row.infer_reps = inf.reps;
      row.infer_images_per_s = 1e3 * batch / inf.median_ms;
      if (!fast) row.infer_work = gpu_work_of(infer, device);
      // The copy to the host also waits for a GPU. On the CPU the fused and the layer-by-layer
      // forwards alternate, so that a drifting machine shifts both alike.
      if (!fast) {
        row.forward_ms = time_runs([&] { forward().class_logits.to(Device::cpu()); },
                                   {1, options.infer_iters, options.infer_iters, 0})
                             .median_ms;
      } else {
        models::SsdInference nhwc(model, {/*fuse_depthwise_pointwise=*/true,
                                          /*blocked_layout=*/false});
        nhwc.run(host_images.data<float>(), batch);
        // Each timed run follows an untimed run of its own path, as the peers' runs follow
        // each other: timed right after the other path, a run found its weights and the
        // thread pool as that path had left them (1.02-1.28x at batch 1).
        std::vector<double> blocked_ms, nhwc_ms;
        for (int i = 0; i < options.infer_iters; ++i) {
          blocked_ms.push_back(time_runs([&] { forward(); }, {1, 1, 1, 0}).median_ms);
          nhwc_ms.push_back(
              time_runs([&] { nhwc.run(host_images.data<float>(), batch); }, {1, 1, 1, 0})
                  .median_ms);
        }
        row.forward_ms = median_of(blocked_ms).median_ms;
        row.nhwc_forward_ms = median_of(nhwc_ms).median_ms;
        if (options.layers)
          row.layers = profile_layers(*fast, host_images.data<float>(), batch, options.infer_iters);
      }
    }
    out << std::fixed << std::setw(6) << batch << std::setprecision(1) << std::setw(12)
        << row.train_step_ms << std::setw(10) << row.train_images_per_s << std::setw(12)
        << row.train_peak_mb << std::setw(12) << row.infer_ms << std::setw(10)
        << row.infer_images_per_s << std::setw(12) << row.forward_ms << std::setw(12)
        << nhwc_cell(row.nhwc_forward_ms) << std::setw(12) << row.infer_peak_mb
        << std::setprecision(3) << std::setw(10) << row.loss << std::defaultfloat << "\n"
        << std::flush;
    rows.push_back(row);
  }
  out << "nhwc: forward_ms on NHWC activations throughout, each depthwise convolution fused "
         "with its pointwise one (the path before the blocked layout; timed alternately)\n";
  out << "MB: the allocator's peak of live tensor bytes during the timed runs (parameters, "
         "optimizer slots, activations; inference: plus the planned arena)\n";
  // At small batches a GPU step costs about its launches and waits, whatever they compute.
  const bool gpu = !device.is_cpu();
  for (const ModelBenchRow& r : rows) {
    out << "batch " << r.batch << " training step by phase";
    if (gpu)
      out << "; the whole step: " << gpu_work_str(r.train_work)
          << "; per inference: " << gpu_work_str(r.infer_work);
    out << "\n";
    for (const auto& [name, w] : r.train_phases) {
      out << "  " << std::left << std::setw(9) << name << std::right << std::fixed
          << std::setprecision(2) << std::setw(9) << w.ms << " ms" << std::defaultfloat;
      if (gpu) out << "  " << gpu_work_str(w);
      out << "\n";
    }
  }
  out << "(phases: one more step, timed phase by phase" << (gpu ? " with a wait after each" : "")
      << ")\n";
  for (const ModelBenchRow& r : rows) {
    if (!r.layers.empty()) print_layer_profile(r.layers, r.batch, options.infer_iters, out);
    if (!r.backward_ops.empty())
      print_backward_profile(r.backward_ops, r.batch, r.backward_runs, out);
  }
  return rows;
}

// The peers' figures: {"pytorch": {"model": [...]}, "onnxruntime": {...}, "openvino": {...}},
// each {"error": why} when it could not run.
nlohmann::json run_peers(const ModelBenchOptions& options, std::ostream& out) {
  nlohmann::json peers = nlohmann::json::object();
  const std::vector<std::string> names = parse_peer_list(options.peer);
  if (names.empty()) return peers;
  std::ostringstream batches, runtimes;
  for (size_t i = 0; i < options.batches.size(); ++i)
    batches << (i ? "," : "") << options.batches[i];
  for (size_t i = 0; i < names.size(); ++i) runtimes << (i ? "," : "") << names[i];
  out << "\npeers " << runtimes.str() << ": running " << pytorch_peer_script() << " model...\n"
      << std::flush;
  std::vector<std::string> args{"model",
                                "--device",
                                options.device,
                                "--depth",
                                std::to_string(options.depth),
                                "--num-classes",
                                std::to_string(options.num_classes),
                                "--batches",
                                batches.str(),
                                "--train-iters",
                                std::to_string(options.train_iters),
                                "--infer-iters",
                                std::to_string(options.infer_iters),
                                "--threads",
                                std::to_string(num_threads()),
                                "--runtimes",
                                runtimes.str()};
  if (options.freeze_batchnorm) args.push_back("--freeze-batchnorm");
  const PeerRun peer = run_pytorch_peer(args);
  for (const std::string& name : names) {
    if (!peer.available) {
      peers[name] = {{"error", peer.why_not}};
    } else if (name == "pytorch") {
      peers[name] = {{"peer", peer.result.value("peer", std::string("torch"))},
                     {"model", peer.result.value("model", nlohmann::json::array())}};
    } else {
      peers[name] = peer.result.value("runtimes", nlohmann::json::object())
                        .value(name, nlohmann::json{{"error", "no result"}});
    }
    if (peers[name].contains("error"))
      out << "peer " << name << ": unavailable (" << peers[name]["error"].get<std::string>()
          << "; scripts/bench_peer_setup.sh installs the peers)\n";
    else
      out << "peer " << name << ": " << peers[name].value("peer", name) << "\n";
  }
  return peers;
}

nlohmann::json rows_json(const std::vector<ModelBenchRow>& rows) {
  nlohmann::json a = nlohmann::json::array();
  for (const ModelBenchRow& r : rows) {
    a.push_back({{"batch", r.batch},
                 {"train_step_ms", r.train_step_ms},
                 {"train_images_per_s", r.train_images_per_s},
                 {"train_peak_mb", r.train_peak_mb},
                 {"infer_ms", r.infer_ms},
                 {"infer_images_per_s", r.infer_images_per_s},
                 {"infer_forward_ms", r.forward_ms},
                 {"infer_nhwc_forward_ms", r.nhwc_forward_ms},
                 {"infer_peak_mb", r.infer_peak_mb},
                 {"train_reps", r.train_reps},
                 {"infer_reps", r.infer_reps},
                 {"loss", r.loss}});
    if (!r.layers.empty()) a.back()["layers"] = layer_profile_json(r.layers);
    if (!r.backward_ops.empty())
      a.back()["backward_ops"] = backward_profile_json(r.backward_ops, r.backward_runs);
    if (r.train_work.work.launches || r.train_work.work.library_calls) {
      a.back()["train_gpu_work"] = gpu_work_json(r.train_work);
      a.back()["infer_gpu_work"] = gpu_work_json(r.infer_work);
    }
    nlohmann::json phases = nlohmann::json::object();
    for (const auto& [name, w] : r.train_phases) phases[name] = gpu_work_json(w);
    if (!phases.empty()) a.back()["train_phases"] = phases;
  }
  return a;
}

}  // namespace

ModelBenchReport run_model_bench(const ModelBenchOptions& options, std::ostream& out) {
  parse_peer_list(options.peer);  // a bad name fails before any timing
  ModelBenchReport report;
  Device device = Device::cpu();
  if (options.device == "cuda") {
    std::string reason;
    if (!cuda_available(&reason)) {
      report.skipped = "cuda: skipped (no CUDA device: " + reason + ")";
      out << report.skipped << "\n";
      return report;
    }
    device = parse_device("cuda");
  }
  models::SsdConfig config;
  config.depth_multiplier = options.depth;
  config.num_classes = options.num_classes;
  config.freeze_batchnorm = options.freeze_batchnorm;
  out << "SSD-MobileNet-v1 " << config.image_height << "x" << config.image_width << ", depth "
      << options.depth << ", " << options.num_classes << " classes, device " << options.device;
  if (device.is_cpu()) out << " (" << cpu_brand() << ", " << num_threads() << " threads)";
  out << "\ntraining step = forward + ssd_loss + backward + RMSProp"
      << (options.freeze_batchnorm ? " (batch norm frozen: its moving statistics)" : "")
      << "; inference = forward + "
         "detect (NMS), no autograd (on the CPU: the inference path, models/ssd_inference.h)\n";
  out << "median of " << options.train_iters << " training / " << options.infer_iters
      << " inference runs after 1 warm-up; small counts on purpose (a batch-32 step takes "
         "seconds on 2 cores), so expect a few % noise\n\n";

  // Each round times Tailor, then the peers, then both again under load: the ratios of a
  // round come from the same minute of a machine whose speed drifts.
  std::vector<ModelBenchRound> rounds;
  for (int r = 0; r < std::max(1, options.rounds); ++r) {
    if (options.rounds > 1) out << "\nround " << r + 1 << " of " << options.rounds << "\n";
    ModelBenchRound round;
    round.rows = time_tailor(options, config, device, out);
    round.peers = run_peers(options, out);
    print_comparison(round.rows, round.peers, out);
    if (options.background_load > 0) {
      {
        BackgroundLoad load(options.background_load);
        out << "\nagain with " << load.processes()
            << " busy background process(es) at nice 19 (--background-load)\n";
        round.loaded_rows = time_tailor(options, config, device, out);
        round.loaded_peers = run_peers(options, out);
      }
      print_comparison(round.loaded_rows, round.loaded_peers, out);
      print_slowdown(round.rows, round.peers, round.loaded_rows, round.loaded_peers,
                     options.background_load, out);
    }
    rounds.push_back(std::move(round));
  }
  const nlohmann::json ratios = round_ratios(rounds);
  if (rounds.size() > 1) print_round_summary(ratios, out);
  report.rows = rounds[0].rows;
  report.loaded_rows = rounds[0].loaded_rows;

  if (!options.json_path.empty()) {
    // The first round at the top level, as before --rounds; every round under "rounds".
    auto round_json = [&](const ModelBenchRound& round) {
      nlohmann::json j = {{"results", rows_json(round.rows)}, {"peers", round.peers}};
      if (options.background_load > 0)
        j["background_load"] = {{"processes", options.background_load},
                                {"results", rows_json(round.loaded_rows)},
                                {"peers", round.loaded_peers}};
      return j;
    };
    nlohmann::json j = round_json(rounds[0]);
    j["model"] = "ssd_mobilenet_v1";
    j["image_size"] = config.image_height;
    j["depth_multiplier"] = options.depth;
    j["num_classes"] = options.num_classes;
    j["freeze_batchnorm"] = options.freeze_batchnorm;
    j["device"] = options.device;
    j["rounds"] = nlohmann::json::array();
    for (const ModelBenchRound& round : rounds) j["rounds"].push_back(round_json(round));
    j["ratios"] = ratios;
    io::write_file_atomic(options.json_path, j.dump(2) + "\n");
  }
  return report;
}

}  // namespace tailor::bench
