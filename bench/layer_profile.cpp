#include "bench/layer_profile.h"

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

}  // namespace tailor::bench
