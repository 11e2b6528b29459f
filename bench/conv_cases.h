#pragma once
// What `tailor bench kernels` computes: every distinct depthwise 3x3 and pointwise 1x1 layer
// shape of SSD-MobileNet-v1 at 300x300, per depth multiplier, batch size and pass. Shapes come
// from models::build_ssd_architecture, so the bench follows the model when it changes.
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/conv_geometry.h"

namespace tailor::bench {

enum class ConvKind { Depthwise, Pointwise };
// The three products a training step needs of every convolution: y from (x, w), dx from
// (dy, w), dw from (x, dy). Every kernel takes (geometry, a, b, out) in that order.
enum class ConvPass { Forward, BackwardData, BackwardFilter };

const char* conv_kind_name(ConvKind kind);
const char* conv_pass_name(ConvPass pass);  // "forward", "backward-data", "backward-filter"

struct ConvCase {
  std::string layer;  // the first model layer with this shape, e.g. "Conv2d_1_depthwise"
  ConvKind kind = ConvKind::Pointwise;
  ConvPass pass = ConvPass::Forward;
  float depth_multiplier = 1.0f;
  kernels::ConvGeometry g;

  int64_t weight_numel() const;
  int64_t a_numel() const;         // first operand: x, dy, x
  int64_t b_numel() const;         // second operand: w, w, dy
  int64_t out_numel() const;       // y, dx, dw
  int64_t dot_length() const;      // terms summed per output element (for error bounds)
  double flops() const;            // 2 per multiply-accumulate; the same for every pass
  double bytes() const;            // operands in + result out, float32, each once
  std::string shape_text() const;  // "150x150x32->64 s2"
};

// Distinct shapes over the backbone's depthwise layers and every 1x1 stride-1 convolution
// (backbone pointwise and the extra layers' 1x1), crossed with depths, batches and passes;
// ordered depth, batch, pass, layer.
std::vector<ConvCase> ssd_mobilenet_conv_cases(const std::vector<float>& depths,
                                               const std::vector<int>& batches,
                                               const std::vector<ConvPass>& passes);

// --quick: one case per (kind, pass): the first layer shape of each kind, depth 1.0, batch 1.
std::vector<ConvCase> quick_conv_cases();

}  // namespace tailor::bench
