#pragma once
// Maps a TF Lite SSD-MobileNet-v1 (the TF Object Detection API's quantized export) onto
// Tailor's SsdModel variables. The export folded batch norm into the convolutions, so each
// backbone and extra layer becomes: weights (dequantized, OHWI -> HWIO; depthwise [1,kh,kw,C]
// -> [kh,kw,C,1]) and a batch norm that is the identity plus the folded bias: gamma 1,
// beta = bias, moving_mean 0, moving_variance = 1 - epsilon, so that inference-mode batch norm
// gamma * (x - mean) / sqrt(var + eps) + beta computes exactly x + bias. Box predictors take
// weights and biases directly. Depth multiplier and class count come from the file's shapes.
#include <vector>

#include "engine/io/tflite.h"
#include "engine/tensor.h"
#include "models/box.h"
#include "models/model_config.h"

namespace tailor::models {

struct TfliteSsdImport {
  // num_classes, depth_multiplier and post-processing / box coder settings from the file.
  SsdConfig config;
  // Every variable of parameter_specs(build_ssd_architecture(config)), in that order, named.
  std::vector<Tensor> variables;
  io::DetectionPostProcessOptions post_process;
  // The PostProcess op's anchors, dequantized, as the file stores them (ycenter, xcenter, h, w).
  std::vector<BoxCenter> anchors;
};

// Throws UserError naming the file and the TF variable for a layer the file lacks or whose
// shape disagrees with Tailor's architecture.
TfliteSsdImport import_tflite_ssd(const io::TfliteModel& model);

}  // namespace tailor::models
