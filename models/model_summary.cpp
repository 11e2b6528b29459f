#include "models/model_summary.h"

#include <cstdio>
#include <string>

#include "models/anchor_generator.h"
#include "models/ssd_architecture.h"

namespace tailor::models {

namespace {

std::string with_commas(int64_t v) {
  std::string s = std::to_string(v);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(i, ",");
  return s;
}

std::string kind_text(const LayerSpec& l) {
  const char* k = l.kind == LayerKind::Depthwise   ? "dwconv"
                  : l.kind == LayerKind::Predictor ? "pred"
                                                   : "conv";
  return std::string(k) + " " + std::to_string(l.kernel) + "x" + std::to_string(l.kernel) + "/" +
         std::to_string(l.stride);
}

std::string shape_text(const Shape& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? "," : "") + std::to_string(s[i]);
  return out + "]";
}

}  // namespace

void print_summary(const SsdConfig& config, std::ostream& out) {
  const SsdArchitecture arch = build_ssd_architecture(config);
  char line[512];
  std::snprintf(line, sizeof line,
                "ssd_mobilenet_v1: depth_multiplier %g, min_depth %d, %d classes, input %dx%d\n",
                config.depth_multiplier, config.min_depth, config.num_classes, config.image_height,
                config.image_width);
  out << line;
  std::snprintf(line, sizeof line, "%-72s %-12s %-16s %11s %15s %15s\n", "layer", "kind", "output",
                "params", "MACs", "FLOPs");
  out << line;
  for (const LayerSpec& l : arch.layers) {
    const std::string shape = shape_text({1, l.out_height, l.out_width, l.out_channels});
    std::snprintf(line, sizeof line, "%-72s %-12s %-16s %11s %15s %15s\n", l.scope.c_str(),
                  kind_text(l).c_str(), shape.c_str(), with_commas(l.param_count()).c_str(),
                  with_commas(l.macs()).c_str(), with_commas(2 * l.macs()).c_str());
    out << line;
  }
  int64_t trainable = 0;
  for (const ParamSpec& p : parameter_specs(arch))
    if (p.trainable) trainable += shape_numel(p.shape);
  const int64_t macs = arch.macs();
  size_t anchors = 0;
  for (size_t i = 0; i < arch.feature_maps.size(); ++i)
    anchors += size_t(arch.feature_maps[i].height) * arch.feature_maps[i].width *
               arch.anchors_per_location[i];
  std::snprintf(line, sizeof line,
                "total: %s parameters (%s trainable, %zu tensors); %s MACs = %s FLOPs (%.3f "
                "GFLOP) per image; %zu anchors\n",
                with_commas(arch.param_count()).c_str(), with_commas(trainable).c_str(),
                parameter_specs(arch).size(), with_commas(macs).c_str(),
                with_commas(2 * macs).c_str(), 2.0 * double(macs) / 1e9, anchors);
  out << line;
}

void print_parameters(const SsdConfig& config, std::ostream& out) {
  for (const ParamSpec& p : parameter_specs(build_ssd_architecture(config)))
    out << p.name << "\tfloat32\t" << shape_text(p.shape) << "\n";
}

void print_anchors_csv(const SsdConfig& config, std::ostream& out) {
  const SsdArchitecture arch = build_ssd_architecture(config);
  out << "ycenter,xcenter,height,width\n";
  char line[128];
  for (const BoxCenter& c : generate_ssd_anchor_centers(config.anchors, arch.feature_maps,
                                                        config.image_height, config.image_width)) {
    std::snprintf(line, sizeof line, "%.9g,%.9g,%.9g,%.9g\n", c.ycenter, c.xcenter, c.height,
                  c.width);
    out << line;
  }
}

}  // namespace tailor::models
