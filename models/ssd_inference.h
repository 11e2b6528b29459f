#pragma once
// The inference path of SSD-MobileNet-v1 on the CPU, built for inference rather than reused
// from training:
//   - batch norm folded into each convolution's weights and bias once (FoldedSsd, also what
//     the ONNX export writes);
//   - bias + ReLU6 fused into the epilogues of the depthwise and GEMM kernels, the GEMM
//     weights packed once, the box and class predictors of a feature map run as one GEMM;
//   - every layer on channel-blocked activations (NCHWc, 16-channel blocks;
//     kernels/cpu/blocked_conv.h): only the image is read as NHWC, and the predictors write
//     NHWC for the anchors' rows; the forward 0.76-0.83x the time of the NHWC path
//     (bench/RESULTS.md, 2026-12-07, morning);
//   - with blocked_layout off, NHWC throughout, each depthwise convolution with large maps
//     fused with the pointwise one after it (kernels/cpu/depthwise_pointwise.h);
//   - the activations planned once per input shape: buffers reused by liveness in one arena,
//     so running an image allocates nothing;
//   - no tensors, no autograd.
// Its outputs match SsdModel::forward(images, /*training=*/false) within float rounding.
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/conv_geometry.h"
#include "kernels/cpu/blocked_conv.h"
#include "kernels/cpu/sgemm.h"
#include "models/ssd_architecture.h"
#include "models/ssd_model.h"
#include "models/ssd_output.h"

namespace tailor::models {

// One convolution with its batch norm folded in: y = relu6?(conv(x, weights) + bias).
struct FoldedLayer {
  LayerSpec spec;
  std::vector<float> weights;  // HWIO [k, k, in, out]; depthwise [k, k, C, 1]
  std::vector<float> bias;     // [out]: beta - mean * scale, or the predictor's biases
  bool relu6 = true;           // false for the box predictors
};

struct FoldedSsd {
  SsdConfig config;
  SsdArchitecture arch;
  std::vector<FoldedLayer> layers;  // arch.layers' order
};

// Throws UserError when the model's batch norm cannot be folded (a model with batch
// statistics, i.e. not in inference mode, is fine: inference uses the moving statistics).
FoldedSsd fold_batch_norm(const SsdModel& model);

// One step of the planned forward (a layer, a fused depthwise + pointwise pair, or a feature
// map's two predictors), for a per-layer profile.
struct InferenceStep {
  std::string name;   // the layer's TF scope; "DW + PW" scopes for a fused pair
  std::string shape;  // "HxWxC->C'" of the step's input and output, stride when not 1
  double flops = 0;   // multiply-adds x 2, over the whole batch
};

struct InferenceOptions {
  // Off: every layer runs on its own (the bench's comparison; the same bits either way).
  // Only in the NHWC layout: blocked depthwise layers keep their planes in cache on their own.
  bool fuse_depthwise_pointwise = true;
  // Every layer on channel-blocked activations (kernels/cpu/blocked_conv.h); off: NHWC
  // throughout, the dense layers as im2col + GEMM (the bench's comparison; equal within float
  // rounding).
  bool blocked_layout = true;
};

class SsdInference {
 public:
  explicit SsdInference(const SsdModel& model, InferenceOptions options = {});

  const SsdConfig& config() const { return folded_.config; }
  const std::vector<BoxCorners>& anchor_boxes() const { return anchors_; }

  // images: [n, image_height, image_width, 3] floats in [-1, 1], contiguous. The first call
  // for a batch size plans the buffers; later calls reuse them. Returns tensors on the CPU
  // shaped as SsdModel::forward's (box_encodings [n, A, 4], class_logits [n, A, C + 1]).
  SsdOutput run(const float* images, int64_t n);
  SsdOutput run(const Tensor& images);
  // The same, also timing each step: step_ms[i] for steps(n)[i], in milliseconds.
  SsdOutput run(const float* images, int64_t n, std::vector<double>* step_ms);

  // The plan's steps for `n` images, in the order run() takes them.
  std::vector<InferenceStep> steps(int64_t n);

  // Floats the plan for `n` images holds (activations and scratch), for the bench.
  int64_t planned_floats(int64_t n);
  // Depthwise + pointwise pairs the plan for `n` images runs fused.
  int fused_pairs(int64_t n);

 private:
  struct Step {
    int layer = 0;  // FoldedSsd::layers index (the class predictor for a fused predictor pair)
    kernels::ConvGeometry geometry;
    int input = -1, output = -1;  // plan buffers; -1 input: the images
    int box_layer = -1;           // a predictor pair: the box predictor's layer
    int depthwise_layer = -1;     // a fused pair: the depthwise layer that feeds this pointwise
    kernels::ConvGeometry depthwise_geometry;
    // Floats from one output pixel to the next in NHWC output: out_c, or for a predictor pair
    // on the blocked path out_c rounded up to whole vectors, so that its tiles' partial sums
    // go to and from aligned rows (285 or 570 floats apart: every vector split two lines).
    int64_t out_pixel = 0;
  };
  struct Plan {
    int64_t n = 0;
    std::vector<Step> steps;
    std::vector<int64_t> offsets;  // buffer -> arena offset (floats)
    int64_t col_offset = 0;        // im2col scratch
    AlignedVector<float> arena;    // 64-byte aligned, as the kernels' vectors
  };
  void plan_for(int64_t n);

  FoldedSsd folded_;
  InferenceOptions options_;
  std::vector<BoxCorners> anchors_;
  // Per layer without blocked_layout: GEMM weights (empty: depthwise).
  std::vector<kernels::cpu::PackedMatrix> packed_;
  // Per layer with blocked_layout: the weights in blocks (empty: depthwise), and whether its
  // output is in the blocked layout (else NHWC).
  std::vector<kernels::cpu::BlockedWeights> blocked_;
  std::vector<bool> blocked_output_;
  std::vector<std::vector<float>> pair_bias_;  // per class predictor: box then class biases
  std::vector<int> pair_of_;                   // class predictor -> its box predictor
  Plan plan_;
};

}  // namespace tailor::models
