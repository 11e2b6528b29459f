#pragma once
// SSD-MobileNet-v1 (TF Object Detection API's ssd_mobilenet_v1): MobileNet-v1 backbone,
// feature maps from Conv2d_11_pointwise, Conv2d_13_pointwise and 4 extra layers, 1x1
// convolutional box predictors. Parameters carry TF variable names so checkpoints load by name.
#include <cstdint>
#include <vector>

#include "engine/parameter_set.h"
#include "engine/tensor.h"
#include "models/box.h"
#include "models/model_config.h"
#include "models/ssd_architecture.h"
#include "models/ssd_output.h"

namespace tailor::models {

class SsdModel {
 public:
  using Output = SsdOutput;

  // Builds parameters initialized like TF (truncated normal, zero biases, BN gamma 1, beta 0,
  // moving mean 0, moving variance 1) from config.init_seed.
  explicit SsdModel(const SsdConfig& config);

  const SsdConfig& config() const { return config_; }
  const SsdArchitecture& architecture() const { return arch_; }
  ParameterSet& params() { return params_; }
  const ParameterSet& params() const { return params_; }

  // images: preprocessed NHWC [N, image_height, image_width, 3] in [-1, 1].
  // training: batch norm uses batch statistics and updates the moving averages.
  Output forward(const Tensor& images, bool training);

  // Anchors [num_anchors, 4] as normalized corners ymin, xmin, ymax, xmax (TF BoxList), in the
  // order of the predictions.
  const Tensor& anchors() const { return anchors_tensor_; }
  const std::vector<BoxCorners>& anchor_boxes() const { return anchors_; }
  int64_t num_anchors() const { return static_cast<int64_t>(anchors_.size()); }

  // Re-draws every parameter as at construction, from `seed`.
  void initialize(uint64_t seed);

  // Moves every parameter (and batch norm statistic) to `device` in place: the tensors keep
  // their identity, names and requires_grad, so ParameterSet entries and optimizer slots keyed
  // by name stay valid. Gradients are dropped. forward() then uploads host images itself. The
  // anchors stay on the host (target assignment and post-processing run there).
  void to(Device device);
  Device device() const { return device_; }

 private:
  // The tensors of one layer (undefined where the layer has none).
  struct LayerParams {
    Tensor weights, biases, gamma, beta, moving_mean, moving_variance;
  };

  SsdConfig config_;
  SsdArchitecture arch_;
  std::vector<LayerParams> layer_params_;
  ParameterSet params_;
  std::vector<BoxCorners> anchors_;
  Tensor anchors_tensor_;
  Device device_ = Device::cpu();
};

}  // namespace tailor::models
