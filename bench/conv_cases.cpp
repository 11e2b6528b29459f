#include "bench/conv_cases.h"

#include <set>
#include <sstream>
#include <tuple>

#include "models/ssd_architecture.h"

namespace tailor::bench {

const char* conv_kind_name(ConvKind kind) {
  return kind == ConvKind::Depthwise ? "depthwise" : "pointwise";
}

const char* conv_pass_name(ConvPass pass) {
  switch (pass) {
    case ConvPass::Forward:
      return "forward";
    case ConvPass::BackwardData:
      return "backward-data";
    case ConvPass::BackwardFilter:
      return "backward-filter";
  }
  return "?";
}

int64_t ConvCase::weight_numel() const {
  return g.kernel_h * g.kernel_w * g.in_c * (kind == ConvKind::Depthwise ? 1 : g.out_c);
}

int64_t ConvCase::a_numel() const {
  return pass == ConvPass::BackwardData ? g.output_numel() : g.input_numel();
}

int64_t ConvCase::b_numel() const {
  return pass == ConvPass::BackwardFilter ? g.output_numel() : weight_numel();
}

int64_t ConvCase::out_numel() const {
  switch (pass) {
    case ConvPass::Forward:
      return g.output_numel();
    case ConvPass::BackwardData:
      return g.input_numel();
    case ConvPass::BackwardFilter:
      return weight_numel();
  }
  return 0;
}

int64_t ConvCase::dot_length() const {
  const int64_t taps = g.kernel_h * g.kernel_w;
  switch (pass) {
    case ConvPass::Forward:
      return taps * (kind == ConvKind::Depthwise ? 1 : g.in_c);
    case ConvPass::BackwardData:
      return taps * (kind == ConvKind::Depthwise ? 1 : g.out_c);
    case ConvPass::BackwardFilter:
      return g.batch * g.out_h * g.out_w;
  }
  return 0;
}

double ConvCase::flops() const {
  const double per_output =
      double(g.kernel_h * g.kernel_w) * (kind == ConvKind::Depthwise ? 1 : g.in_c);
  return 2.0 * per_output * double(g.output_numel());
}

double ConvCase::bytes() const {
  return 4.0 * double(a_numel() + b_numel() + out_numel());
}

std::string ConvCase::shape_text() const {
  std::ostringstream os;
  os << g.in_h << "x" << g.in_w << "x" << g.in_c << "->" << g.out_c;
  if (g.stride != 1) os << " s" << g.stride;
  return os.str();
}

namespace {

struct LayerShape {
  std::string layer;
  ConvKind kind;
  kernels::ConvGeometry g;  // batch 1
};

std::vector<LayerShape> distinct_layer_shapes(float depth) {
  models::SsdConfig config;  // 300x300
  config.depth_multiplier = depth;
  const models::SsdArchitecture arch = models::build_ssd_architecture(config);
  std::set<std::tuple<int, int, int, int, int, int>> seen;
  std::vector<LayerShape> shapes;
  for (const models::LayerSpec& l : arch.layers) {
    const bool depthwise = l.kind == models::LayerKind::Depthwise && l.kernel == 3;
    const bool pointwise = l.kind == models::LayerKind::Conv && l.kernel == 1 && l.stride == 1;
    if (!depthwise && !pointwise) continue;
    if (!seen.insert({depthwise, l.in_height, l.in_width, l.in_channels, l.out_channels, l.stride})
             .second)
      continue;
    shapes.push_back(
        {l.scope.substr(l.scope.find_last_of('/') + 1),
         depthwise ? ConvKind::Depthwise : ConvKind::Pointwise,
         kernels::make_conv_geometry(1, l.in_height, l.in_width, l.in_channels, l.kernel, l.kernel,
                                     l.out_channels, l.stride, kernels::Padding::Same)});
  }
  return shapes;
}

}  // namespace

std::vector<ConvCase> ssd_mobilenet_conv_cases(const std::vector<float>& depths,
                                               const std::vector<int>& batches,
                                               const std::vector<ConvPass>& passes) {
  std::vector<ConvCase> cases;
  for (float depth : depths) {
    const std::vector<LayerShape> shapes = distinct_layer_shapes(depth);
    for (int batch : batches)
      for (ConvPass pass : passes)
        for (const LayerShape& s : shapes) {
          ConvCase c;
          c.layer = s.layer;
          c.kind = s.kind;
          c.pass = pass;
          c.depth_multiplier = depth;
          c.g = s.g;
          c.g.batch = batch;
          cases.push_back(c);
        }
  }
  return cases;
}

std::vector<ConvCase> quick_conv_cases() {
  const std::vector<ConvPass> passes{ConvPass::Forward, ConvPass::BackwardData,
                                     ConvPass::BackwardFilter};
  std::vector<ConvCase> all = ssd_mobilenet_conv_cases({1.0f}, {1}, passes);
  std::vector<ConvCase> picked;
  std::set<std::pair<ConvKind, ConvPass>> have;
  // The last shape of each kind is the smallest (10x10 and below): a smoke run stays fast.
  for (auto it = all.rbegin(); it != all.rend(); ++it)
    if (have.insert({it->kind, it->pass}).second) picked.insert(picked.begin(), *it);
  return picked;
}

}  // namespace tailor::bench
