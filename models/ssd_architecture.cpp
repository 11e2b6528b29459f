#include "models/ssd_architecture.h"

#include <algorithm>

#include "runtime/error.h"

namespace tailor::models {

int64_t LayerSpec::weight_count() const {
  const int64_t k2 = int64_t(kernel) * kernel;
  return kind == LayerKind::Depthwise ? k2 * in_channels : k2 * in_channels * out_channels;
}

int64_t LayerSpec::param_count() const {
  return weight_count() + (batch_norm ? 4 * int64_t(out_channels) : int64_t(out_channels));
}

int64_t LayerSpec::macs() const {
  // Every weight is used once per output position.
  return int64_t(out_height) * out_width * weight_count();
}

int64_t SsdArchitecture::param_count() const {
  int64_t n = 0;
  for (const auto& l : layers) n += l.param_count();
  return n;
}

int64_t SsdArchitecture::macs() const {
  int64_t n = 0;
  for (const auto& l : layers) n += l.macs();
  return n;
}

std::vector<ParamSpec> parameter_specs(const SsdArchitecture& arch) {
  std::vector<ParamSpec> specs;
  for (size_t i = 0; i < arch.layers.size(); ++i) {
    const LayerSpec& l = arch.layers[i];
    const int li = static_cast<int>(i);
    const int64_t k = l.kernel, c = l.out_channels;
    if (l.kind == LayerKind::Depthwise)
      specs.push_back({l.scope + "/depthwise_weights",
                       {k, k, l.in_channels, 1},
                       ParamRole::Weights,
                       li,
                       true,
                       false});
    else
      specs.push_back(
          {l.scope + "/weights", {k, k, l.in_channels, c}, ParamRole::Weights, li, true, true});
    if (l.batch_norm) {
      const std::string bn = l.scope + "/BatchNorm/";
      specs.push_back({bn + "beta", {c}, ParamRole::Beta, li, true, false});
      specs.push_back({bn + "gamma", {c}, ParamRole::Gamma, li, true, false});
      specs.push_back({bn + "moving_mean", {c}, ParamRole::MovingMean, li, false, false});
      specs.push_back({bn + "moving_variance", {c}, ParamRole::MovingVariance, li, false, false});
    } else {
      specs.push_back({l.scope + "/biases", {c}, ParamRole::Biases, li, true, false});
    }
  }
  return specs;
}

int mobilenet_depth(int depth, float multiplier, int min_depth) {
  return std::max(static_cast<int>(float(depth) * multiplier), min_depth);
}

namespace {

int same_out(int in, int stride) {
  return (in + stride - 1) / stride;
}

struct Builder {
  SsdArchitecture arch;
  int add(const std::string& scope, LayerKind kind, int kernel, int stride, int out_c, int input,
          float stddev, int h, int w, int in_c) {
    LayerSpec l;
    l.scope = scope;
    l.kind = kind;
    l.kernel = kernel;
    l.stride = stride;
    l.in_channels = in_c;
    l.out_channels = kind == LayerKind::Depthwise ? in_c : out_c;
    l.in_height = h;
    l.in_width = w;
    l.out_height = same_out(h, stride);
    l.out_width = same_out(w, stride);
    l.input = input;
    l.batch_norm = kind != LayerKind::Predictor;
    l.init_stddev = stddev;
    arch.layers.push_back(l);
    return static_cast<int>(arch.layers.size()) - 1;
  }
  // Adds a layer fed by layer `input` (or the image when -1).
  int add_after(int input, const std::string& scope, LayerKind kind, int kernel, int stride,
                int out_c, float stddev, int image_h, int image_w) {
    if (input < 0)
      return add(scope, kind, kernel, stride, out_c, input, stddev, image_h, image_w, 3);
    const LayerSpec& p = arch.layers[input];
    return add(scope, kind, kernel, stride, out_c, input, stddev, p.out_height, p.out_width,
               p.out_channels);
  }
};

}  // namespace

SsdArchitecture build_ssd_architecture(const SsdConfig& c) {
  TAILOR_CHECK(c.image_height >= 33 && c.image_width >= 33, UserError,
               "model.image_height/image_width must be at least 33 (SSD-MobileNet-v1), got ",
               c.image_height, "x", c.image_width);
  TAILOR_CHECK(c.depth_multiplier > 0.f, UserError, "model.depth_multiplier must be > 0, got ",
               c.depth_multiplier);
  TAILOR_CHECK(c.num_classes >= 1, UserError, "model.num_classes must be >= 1, got ",
               c.num_classes);
  TAILOR_CHECK(c.min_depth >= 1, UserError, "model.min_depth must be >= 1, got ", c.min_depth);
  TAILOR_CHECK(c.anchors.num_layers == 6, UserError,
               "model.anchors.num_layers must be 6 (one per SSD feature map), got ",
               c.anchors.num_layers);
  auto depth = [&](int d) { return mobilenet_depth(d, c.depth_multiplier, c.min_depth); };
  const std::string fe = "FeatureExtractor/MobilenetV1/";
  const float bs = c.backbone_init_stddev, hs = c.head_init_stddev;
  Builder b;
  int last = b.add_after(-1, fe + "Conv2d_0", LayerKind::Conv, 3, 2, depth(32), bs, c.image_height,
                         c.image_width);
  // mobilenet_v1.MOBILENETV1_CONV_DEFS: (stride, depth) of the 13 separable blocks.
  const int blocks[13][2] = {{1, 64},  {2, 128}, {1, 128}, {2, 256}, {1, 256},  {2, 512}, {1, 512},
                             {1, 512}, {1, 512}, {1, 512}, {1, 512}, {2, 1024}, {1, 1024}};
  int conv11 = -1;
  for (int i = 0; i < 13; ++i) {
    const std::string n = fe + "Conv2d_" + std::to_string(i + 1);
    last = b.add_after(last, n + "_depthwise", LayerKind::Depthwise, 3, blocks[i][0], 0, bs, 0, 0);
    last =
        b.add_after(last, n + "_pointwise", LayerKind::Conv, 1, 1, depth(blocks[i][1]), bs, 0, 0);
    if (i + 1 == 11) conv11 = last;
  }
  b.arch.feature_layers = {conv11, last};
  // feature_map_generators.multi_resolution_feature_maps with insert_1x1_conv: a 1x1 conv to
  // depth/2, then a 3x3 stride-2 SAME conv; names carry the base layer and depths.
  const int extra_depths[4] = {512, 256, 256, 128};
  for (int i = 0; i < 4; ++i) {
    const int index = i + 2;
    const int d1 = depth(extra_depths[i] / 2), d2 = depth(extra_depths[i]);
    const std::string base = fe + "Conv2d_13_pointwise";
    last = b.add_after(last,
                       base + "_1_Conv2d_" + std::to_string(index) + "_1x1_" + std::to_string(d1),
                       LayerKind::Conv, 1, 1, d1, hs, 0, 0);
    last = b.add_after(
        last, base + "_2_Conv2d_" + std::to_string(index) + "_3x3_s2_" + std::to_string(d2),
        LayerKind::Conv, 3, 2, d2, hs, 0, 0);
    b.arch.feature_layers.push_back(last);
  }
  b.arch.anchors_per_location = anchors_per_location(c.anchors);
  for (size_t f = 0; f < b.arch.feature_layers.size(); ++f) {
    const int src = b.arch.feature_layers[f];
    const LayerSpec& l = b.arch.layers[src];
    b.arch.feature_maps.push_back({l.out_height, l.out_width});
    const int k = b.arch.anchors_per_location[f];
    const std::string p = "BoxPredictor_" + std::to_string(f) + "/";
    b.add_after(src, p + "BoxEncodingPredictor", LayerKind::Predictor, 1, 1, 4 * k, hs, 0, 0);
    b.add_after(src, p + "ClassPredictor", LayerKind::Predictor, 1, 1, (c.num_classes + 1) * k, hs,
                0, 0);
  }
  return b.arch;
}

}  // namespace tailor::models
