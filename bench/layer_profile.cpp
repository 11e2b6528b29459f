#include "bench/layer_profile.h"

#include <algorithm>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <ostream>

#include "bench/timing.h"

namespace tailor::bench {

std::vector<LayerTime> profile_layers(models::SsdInference& inference, const float* images,
                                      int batch, int runs) {
  const std::vector<models::InferenceStep> steps = inference.steps(batch);
  std::vector<std::vector<double>> samples(steps.size());
  std::vector<double> step_ms;
  inference.run(images, batch);  // warm-up
  for (int r = 0; r < runs; ++r) {
    inference.run(images, batch, &step_ms);
    for (size_t i = 0; i < steps.size() && i < step_ms.size(); ++i)
      samples[i].push_back(step_ms[i]);
  }
  std::vector<LayerTime> out;
  for (size_t i = 0; i < steps.size(); ++i)
    out.push_back({steps[i].name, steps[i].shape, steps[i].flops, median_of(samples[i]).median_ms});
  return out;
}

void print_layer_profile(const std::vector<LayerTime>& layers, int batch, int runs,
                         std::ostream& out) {
  double total_ms = 0, total_flops = 0;
  for (const LayerTime& l : layers) {
    total_ms += l.median_ms;
    total_flops += l.flops;
  }
  const std::string prefix = "FeatureExtractor/MobilenetV1/";
  out << "\nforward by step, batch " << batch << " (median of " << runs
      << " runs; fused pairs and predictor pairs are one step)\n"
      << std::right << std::setw(4) << "#"
      << "  " << std::left << std::setw(58) << "step" << std::setw(34) << "shape" << std::right
      << std::setw(9) << "ms" << std::setw(9) << "GFLOP/s" << std::setw(7) << "share"
      << "\n";
  for (size_t i = 0; i < layers.size(); ++i) {
    const LayerTime& l = layers[i];
    std::string name = l.name;
    for (size_t at; (at = name.find(prefix)) != std::string::npos;) name.erase(at, prefix.size());
    out << std::setw(4) << i << "  " << std::left << std::setw(58) << name << std::setw(34)
        << l.shape << std::right << std::fixed << std::setprecision(3) << std::setw(9)
        << l.median_ms << std::setprecision(1) << std::setw(9)
        << (l.median_ms > 0 ? l.flops / l.median_ms / 1e6 : 0) << std::setw(6)
        << (total_ms > 0 ? 100 * l.median_ms / total_ms : 0) << "%" << std::defaultfloat << "\n";
  }
  out << std::setw(4) << ""
      << "  " << std::left << std::setw(92) << "sum of steps" << std::right << std::fixed
      << std::setprecision(3) << std::setw(9) << total_ms << std::setprecision(1) << std::setw(9)
      << (total_ms > 0 ? total_flops / total_ms / 1e6 : 0) << std::defaultfloat << "\n";
}

nlohmann::json layer_profile_json(const std::vector<LayerTime>& layers) {
  nlohmann::json a = nlohmann::json::array();
  for (const LayerTime& l : layers)
    a.push_back({{"step", l.name}, {"shape", l.shape}, {"flops", l.flops}, {"ms", l.median_ms}});
  return a;
}

void print_backward_profile(const std::vector<BackwardProfile::OpTime>& ops, int batch, int runs,
                            std::ostream& out) {
  std::vector<BackwardProfile::OpTime> sorted = ops;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& a, const auto& b) { return a.ms > b.ms; });
  double total = 0;
  for (const auto& o : sorted) total += o.ms;
  const double per = runs > 0 ? 1.0 / runs : 1.0;
  out << "\nbackward by op, batch " << batch << " (per step, over " << runs
      << " steps; slowest first)\n"
      << std::left << std::setw(36) << "op" << std::setw(20) << "gradient shape" << std::right
      << std::setw(7) << "calls" << std::setw(10) << "ms" << std::setw(7) << "share"
      << "\n";
  double rest_ms = 0;
  int rest_ops = 0;
  for (const auto& o : sorted) {
    if (total > 0 && o.ms < 0.005 * total) {
      rest_ms += o.ms;
      ++rest_ops;
      continue;
    }
    out << std::left << std::setw(36) << o.op << std::setw(20) << shape_str(o.grad_shape)
        << std::right << std::setw(7) << o.calls / std::max(runs, 1) << std::fixed
        << std::setprecision(3) << std::setw(10) << o.ms * per << std::setprecision(1)
        << std::setw(6) << 100 * o.ms / total << "%" << std::defaultfloat << "\n";
  }
  out << std::fixed << std::left << std::setw(63)
      << ("the other " + std::to_string(rest_ops) + " ops") << std::right << std::setprecision(3)
      << std::setw(10) << rest_ms * per << "\n"
      << std::left << std::setw(63) << "sum" << std::right << std::setw(10) << total * per
      << std::defaultfloat << "\n";
}

nlohmann::json backward_profile_json(const std::vector<BackwardProfile::OpTime>& ops, int runs) {
  nlohmann::json a = nlohmann::json::array();
  const double per = runs > 0 ? 1.0 / runs : 1.0;
  for (const auto& o : ops)
    a.push_back({{"op", o.op},
                 {"grad_shape", o.grad_shape},
                 {"calls", o.calls / std::max(runs, 1)},
                 {"ms", o.ms * per}});
  return a;
}

}  // namespace tailor::bench
