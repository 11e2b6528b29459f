#include "models/ssd_model.h"

#include "engine/autograd.h"
#include "engine/ops/batch_norm.h"
#include "engine/ops/conv.h"
#include "engine/ops/conv_batch_norm.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/shape_ops.h"
#include "models/anchor_generator.h"
#include "models/truncated_normal.h"
#include "runtime/error.h"

namespace tailor::models {

SsdModel::SsdModel(const SsdConfig& config)
    : config_(config), arch_(build_ssd_architecture(config)) {
  layer_params_.resize(arch_.layers.size());
  for (const ParamSpec& spec : parameter_specs(arch_)) {
    // Values are set by initialize(); zeros only allocate.
    Tensor t = params_.add(spec.name, Tensor::zeros(spec.shape), spec.trainable, spec.regularize);
    LayerParams& p = layer_params_[spec.layer];
    switch (spec.role) {
      case ParamRole::Weights:
        p.weights = t;
        break;
      case ParamRole::Biases:
        p.biases = t;
        break;
      case ParamRole::Beta:
        p.beta = t;
        break;
      case ParamRole::Gamma:
        p.gamma = t;
        break;
      case ParamRole::MovingMean:
        p.moving_mean = t;
        break;
      case ParamRole::MovingVariance:
        p.moving_variance = t;
        break;
    }
  }
  initialize(config_.init_seed);
  anchors_ = generate_ssd_anchors(config_.anchors, arch_.feature_maps, config_.image_height,
                                  config_.image_width);
  std::vector<float> flat;
  flat.reserve(anchors_.size() * 4);
  for (const BoxCorners& a : anchors_) flat.insert(flat.end(), {a.ymin, a.xmin, a.ymax, a.xmax});
  anchors_tensor_ = Tensor::from_vector(flat, {static_cast<int64_t>(anchors_.size()), 4});
}

void SsdModel::initialize(uint64_t seed) {
  NoGradGuard no_grad;
  TruncatedNormal rng(seed);
  for (size_t i = 0; i < arch_.layers.size(); ++i) {
    LayerParams& p = layer_params_[i];
    rng.fill(p.weights, arch_.layers[i].init_stddev);
    if (p.biases.defined()) p.biases.fill_(0.f);
    if (p.gamma.defined()) p.gamma.fill_(1.f);
    if (p.beta.defined()) p.beta.fill_(0.f);
    if (p.moving_mean.defined()) p.moving_mean.fill_(0.f);
    if (p.moving_variance.defined()) p.moving_variance.fill_(1.f);
  }
}

void SsdModel::to(Device device) {
  if (device == device_) return;
  for (Parameter& p : params_.all()) {
    // Swap the storage under the existing TensorImpl: layer_params_ alias the same impls.
    Tensor moved = p.value.contiguous().to(device);
    TensorImpl* impl = p.value.impl();
    impl->storage = moved.impl()->storage;
    impl->offset = moved.impl()->offset;
    impl->strides = moved.strides();
    impl->grad.reset();
  }
  device_ = device;
}

SsdModel::Output SsdModel::forward(const Tensor& images, bool training) {
  TAILOR_CHECK(images.dim() == 4 && images.size(1) == config_.image_height &&
                   images.size(2) == config_.image_width && images.size(3) == 3,
               ShapeError, "SsdModel::forward: expected images [N,", config_.image_height, ",",
               config_.image_width, ",3], got ", shape_str(images.shape()));
  const int64_t n = images.size(0);
  const Tensor input = images.device() == device_ ? images : images.to(device_);
  std::vector<Tensor> outs(arch_.layers.size());
  std::vector<Tensor> box_parts, class_parts;
  for (size_t i = 0; i < arch_.layers.size(); ++i) {
    const LayerSpec& l = arch_.layers[i];
    LayerParams& p = layer_params_[i];
    const Tensor& in = l.input < 0 ? input : outs[l.input];
    const bool batch_stats = training && !config_.freeze_batchnorm;
    if (l.kind != LayerKind::Predictor && !batch_stats) {
      // Batch norm with the moving statistics: the convolution, BN and ReLU6 as one op.
      outs[i] = ops::conv_batch_norm_relu6(in, p.weights, l.kind == LayerKind::Depthwise, l.stride,
                                           ops::Padding::Same, p.gamma, p.beta, p.moving_mean,
                                           p.moving_variance, config_.batch_norm_epsilon);
      continue;
    }
    Tensor y;
    if (l.kind == LayerKind::Depthwise)
      y = ops::depthwise_conv2d(in, p.weights, l.stride, ops::Padding::Same);
    else if (l.kernel == 1 && l.stride == 1)
      y = ops::pointwise_conv2d(in, p.weights);
    else
      y = ops::conv2d(in, p.weights, l.stride, ops::Padding::Same);
    if (l.kind == LayerKind::Predictor) {
      y = ops::bias_add(y, p.biases);
      // [N, H, W, k * D] -> [N, H * W * k, D]: anchor order is y, x, box (see anchor_generator).
      const bool is_box = l.scope.find("BoxEncodingPredictor") != std::string::npos;
      const int64_t d = is_box ? 4 : config_.num_classes + 1;
      Tensor r = ops::reshape(y, {n, -1, d});
      (is_box ? box_parts : class_parts).push_back(r);
      continue;
    }
    // BN and ReLU6 as one op (TF runs them as two; the values are the same).
    outs[i] = ops::batch_norm_train(y, p.gamma, p.beta, p.moving_mean, p.moving_variance,
                                    config_.batch_norm_decay, config_.batch_norm_epsilon,
                                    /*relu6=*/true);
  }
  Output out;
  out.box_encodings = ops::concat(box_parts, 1);
  out.class_logits = ops::concat(class_parts, 1);
  return out;
}

}  // namespace tailor::models
