#pragma once
// `tailor bench model --layers`: the CPU inference forward step by step (each layer, fused
// depthwise + pointwise pair and predictor pair of models/ssd_inference.h), and the training
// step's backward op by op (engine/autograd.h's BackwardProfile), so that a kernel change can
// be traced to the layers it moved. The per-step clock adds a few microseconds per step; the
// forward_ms and train_ms columns of the main table are timed without it.
#include <iosfwd>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "engine/autograd.h"
#include "models/ssd_inference.h"

namespace tailor::bench {

struct LayerTime {
  std::string name, shape;
  double flops = 0;
  double median_ms = 0;
};

// Median over `runs` forwards of each step's time (after one untimed forward).
std::vector<LayerTime> profile_layers(models::SsdInference& inference, const float* images,
                                      int batch, int runs);

// A table: step, shape, ms, GFLOP/s and share of the summed steps.
void print_layer_profile(const std::vector<LayerTime>& layers, int batch, int runs,
                         std::ostream& out);

nlohmann::json layer_profile_json(const std::vector<LayerTime>& layers);

// The backward's ops over `runs` steps, slowest first, per step: op, gradient shape, calls, ms,
// share. Ops under 0.5 % of the total are summed in one line.
void print_backward_profile(const std::vector<BackwardProfile::OpTime>& ops, int batch, int runs,
                            std::ostream& out);

nlohmann::json backward_profile_json(const std::vector<BackwardProfile::OpTime>& ops, int runs);

}  // namespace tailor::bench
