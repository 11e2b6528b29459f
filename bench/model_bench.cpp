#include "bench/model_bench.h"

#include <cmath>
#include <iomanip>
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>
#include <random>
#include <sstream>
#include <stdexcept>

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

}  // namespace

ModelBenchReport run_model_bench(const ModelBenchOptions& options, std::ostream& out) {
  if (!options.peer.empty()) check_peer_name(options.peer);
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
  Allocator& alloc = allocator_for(device);

  models::SsdConfig config;
  config.depth_multiplier = options.depth;
  config.num_classes = options.num_classes;
  out << "SSD-MobileNet-v1 " << config.image_height << "x" << config.image_width << ", depth "
      << options.depth << ", " << options.num_classes << " classes, device " << options.device;
  if (device.is_cpu()) out << " (" << cpu_brand() << ", " << num_threads() << " threads)";
  out << "\ntraining step = forward + ssd_loss + backward + RMSProp; inference = forward + "
         "detect (NMS), no autograd\n";
  out << "median of " << options.train_iters << " training / " << options.infer_iters
      << " inference runs after 1 warm-up; small counts on purpose (a batch-32 step takes "
         "seconds on 2 cores), so expect a few % noise\n\n";
  out << std::right << std::setw(6) << "batch" << std::setw(12) << "train_ms" << std::setw(10)
      << "img/s" << std::setw(12) << "train_MB" << std::setw(12) << "infer_ms" << std::setw(10)
      << "img/s" << std::setw(12) << "forward_ms" << std::setw(12) << "infer_MB" << std::setw(10)
      << "loss"
      << "\n";

  for (int batch : options.batches) {
    ModelBenchRow row;
    row.batch = batch;
    models::SsdModel model(config);
    if (!device.is_cpu()) model.to(device);
    optim::RMSProp optimizer(optim::RMSPropOptions{0.9f, 0.9f, 1.0f});  // the TF OD config
    Tensor images = synthetic_images(batch, config.image_height, uint64_t(batch));
    if (!device.is_cpu()) images = images.to(device);
    const std::vector<models::GroundTruth> gt = synthetic_groundtruth(batch, config.num_classes);

    auto train_step = [&] {
      model.params().zero_grad();
      models::SsdOutput o = model.forward(images, /*training=*/true);
      models::SsdLosses losses =
          models::ssd_loss(o, model.anchor_boxes(), gt, model.params(), config);
      losses.total.backward();
      optimizer.apply(model.params(), 1e-4f);
      row.loss = losses.total.item();  // also waits for a GPU to finish the step
    };
    train_step();  // warm-up: slots, allocator caches, kernel autotuning
    alloc.reset_peak();
    const Timing train = time_runs(train_step, {0, options.train_iters, options.train_iters, 0});
    row.train_peak_mb = mb(alloc.peak_bytes());
    row.train_step_ms = train.median_ms;
    row.train_reps = train.reps;
    row.train_images_per_s = 1e3 * batch / train.median_ms;

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
      // The copy to the host also waits for a GPU.
      row.forward_ms = time_runs([&] { forward().class_logits.to(Device::cpu()); },
                                 {1, options.infer_iters, options.infer_iters, 0})
                           .median_ms;
    }
    out << std::fixed << std::setw(6) << batch << std::setprecision(1) << std::setw(12)
        << row.train_step_ms << std::setw(10) << row.train_images_per_s << std::setw(12)
        << row.train_peak_mb << std::setw(12) << row.infer_ms << std::setw(10)
        << row.infer_images_per_s << std::setw(12) << row.forward_ms << std::setw(12)
        << row.infer_peak_mb << std::setprecision(3) << std::setw(10) << row.loss
        << std::defaultfloat << "\n"
        << std::flush;
    report.rows.push_back(row);
  }
  out << "MB: the allocator's peak of live tensor bytes during the timed runs (parameters, "
         "optimizer slots, activations)\n";

  nlohmann::json peer_json;
  if (!options.peer.empty()) {
    out << "\npeer pytorch: running " << pytorch_peer_script() << " model...\n" << std::flush;
    std::ostringstream batches;
    for (size_t i = 0; i < options.batches.size(); ++i)
      batches << (i ? "," : "") << options.batches[i];
    const PeerRun peer = run_pytorch_peer(
        {"model", "--device", options.device, "--depth", std::to_string(options.depth),
         "--num-classes", std::to_string(options.num_classes), "--batches", batches.str(),
         "--train-iters", std::to_string(options.train_iters), "--infer-iters",
         std::to_string(options.infer_iters), "--threads", std::to_string(num_threads())});
    if (!peer.available) {
      out << "peer pytorch: unavailable (" << peer.why_not << ")\n";
    } else {
      peer_json = peer.result;
      out << "peer pytorch: " << peer.result.value("peer", std::string("torch")) << "\n";
      out << "Tailor / PyTorch time (< 1: Tailor faster; the target is <= 0.8)\n";
      out << std::setw(6) << "batch" << std::setw(14) << "train_tailor" << std::setw(13)
          << "train_torch" << std::setw(8) << "ratio" << std::setw(14) << "infer_tailor"
          << std::setw(13) << "infer_torch" << std::setw(8) << "ratio" << std::setw(12)
          << "fwd_tailor" << std::setw(11) << "fwd_torch" << std::setw(8) << "ratio\n";
      for (const ModelBenchRow& r : report.rows)
        for (const nlohmann::json& p : peer.result.value("model", nlohmann::json::array())) {
          if (p.value("batch", 0) != r.batch) continue;
          const double tt = p.value("train_step_ms", 0.0), ti = p.value("infer_ms", 0.0);
          const double tf = p.value("infer_forward_ms", 0.0);
          out << std::fixed << std::setprecision(1) << std::setw(6) << r.batch << std::setw(14)
              << r.train_step_ms << std::setw(13) << tt << std::setprecision(2) << std::setw(8)
              << (tt > 0 ? r.train_step_ms / tt : NAN) << std::setprecision(1) << std::setw(14)
              << r.infer_ms << std::setw(13) << ti << std::setprecision(2) << std::setw(8)
              << (ti > 0 ? r.infer_ms / ti : NAN) << std::setprecision(1) << std::setw(12)
              << r.forward_ms << std::setw(11) << tf << std::setprecision(2) << std::setw(8)
              << (tf > 0 ? r.forward_ms / tf : NAN) << std::defaultfloat << "\n";
        }
    }
  }

  if (!options.json_path.empty()) {
    nlohmann::json j;
    j["model"] = "ssd_mobilenet_v1";
    j["image_size"] = config.image_height;
    j["depth_multiplier"] = options.depth;
    j["num_classes"] = options.num_classes;
    j["device"] = options.device;
    j["results"] = nlohmann::json::array();
    for (const ModelBenchRow& r : report.rows)
      j["results"].push_back({{"batch", r.batch},
                              {"train_step_ms", r.train_step_ms},
                              {"train_images_per_s", r.train_images_per_s},
                              {"train_peak_mb", r.train_peak_mb},
                              {"infer_ms", r.infer_ms},
                              {"infer_images_per_s", r.infer_images_per_s},
                              {"infer_forward_ms", r.forward_ms},
                              {"infer_peak_mb", r.infer_peak_mb},
                              {"train_reps", r.train_reps},
                              {"infer_reps", r.infer_reps},
                              {"loss", r.loss}});
    if (!peer_json.is_null()) j["pytorch"] = peer_json;
    io::write_file_atomic(options.json_path, j.dump(2) + "\n");
  }
  return report;
}

}  // namespace tailor::bench
