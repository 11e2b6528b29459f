#pragma once
// The SSD-MobileNet-v1 layer list as pure geometry: every convolution with its TF scope name,
// shapes and cost. The model builds its parameters from it and `tailor model summary` prints it.
#include <cstdint>
#include <string>
#include <vector>

#include "engine/tensor.h"
#include "models/anchor_generator.h"
#include "models/model_config.h"

namespace tailor::models {

enum class LayerKind { Conv, Depthwise, Predictor };

struct LayerSpec {
  std::string scope;  // e.g. "FeatureExtractor/MobilenetV1/Conv2d_1_depthwise"
  LayerKind kind = LayerKind::Conv;
  int kernel = 1, stride = 1;
  int in_channels = 0, out_channels = 0;
  int in_height = 0, in_width = 0;
  int out_height = 0, out_width = 0;
  int input = -1;          // index of the layer feeding this one; -1 = the image
  bool batch_norm = true;  // false for predictors (they have biases instead)
  float init_stddev = 0.03f;

  int64_t weight_count() const;
  int64_t param_count() const;  // weights + BN (gamma, beta, mean, variance) or biases
  int64_t macs() const;         // multiply-accumulates per image
};

struct SsdArchitecture {
  std::vector<LayerSpec> layers;
  std::vector<int> feature_layers;  // the 6 layers feeding the box predictors
  std::vector<FeatureMapSize> feature_maps;
  std::vector<int> anchors_per_location;
  int64_t param_count() const;
  int64_t macs() const;
};

// One TF variable of the model, in TF's creation order (weights, then BatchNorm beta, gamma,
// moving_mean, moving_variance; or weights, then biases).
enum class ParamRole { Weights, Biases, Beta, Gamma, MovingMean, MovingVariance };

struct ParamSpec {
  std::string name;  // TF variable name
  Shape shape;
  ParamRole role = ParamRole::Weights;
  int layer = 0;  // index into SsdArchitecture::layers
  bool trainable = true;
  bool regularize = false;  // conv weights, except depthwise (regularize_depthwise=False)
};

std::vector<ParamSpec> parameter_specs(const SsdArchitecture& arch);

// MobileNet-v1 depth rule: max(int(d * multiplier), min_depth).
int mobilenet_depth(int depth, float multiplier, int min_depth);

// Throws UserError for an input smaller than 33 pixels (TF's check), a non-positive depth
// multiplier or num_classes < 1.
SsdArchitecture build_ssd_architecture(const SsdConfig& config);

}  // namespace tailor::models
