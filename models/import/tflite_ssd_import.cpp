#include "models/import/tflite_ssd_import.h"

#include <cmath>

#include "models/anchor_generator.h"
#include "models/ssd_architecture.h"

namespace tailor::models {

namespace {

const std::string kBackbone = "FeatureExtractor/MobilenetV1/";

// The TF Lite export nests the backbone one scope deeper than the checkpoint
// ("FeatureExtractor/MobilenetV1/MobilenetV1/Conv2d_0") but not the extra layers.
int find_tensor(const io::TfliteModel& m, const std::string& scope,
                const std::vector<std::string>& suffixes) {
  std::vector<std::string> scopes{scope};
  if (scope.rfind(kBackbone, 0) == 0)
    scopes.push_back(kBackbone + "MobilenetV1/" + scope.substr(kBackbone.size()));
  for (const auto& s : scopes)
    for (const auto& suffix : suffixes) {
      const int i = m.find(s + suffix);
      if (i >= 0) return i;
    }
  return -1;
}

int require_tensor(const io::TfliteModel& m, const std::string& scope,
                   const std::vector<std::string>& suffixes, const char* what) {
  const int i = find_tensor(m, scope, suffixes);
  TAILOR_CHECK(i >= 0, UserError, m.path(), ": no ", what, " tensor for layer ", scope,
               " (looked for ", scope, suffixes.front(), ")");
  return i;
}

const std::vector<std::string> kWeightSuffixes{"/weights_quant/FakeQuantWithMinMaxVars",
                                               "/weights"};
const std::vector<std::string> kBiasSuffixes{"/Conv2D_Fold_bias", "/depthwise_Fold_bias",
                                             "/Conv2D_bias", "/biases"};

// [O, kh, kw, I] -> [kh, kw, I, O].
Tensor ohwi_to_hwio(const Tensor& w) {
  const int64_t O = w.size(0), H = w.size(1), W = w.size(2), I = w.size(3);
  Tensor out = Tensor::empty({H, W, I, O});
  const float* s = w.data<float>();
  float* d = out.data<float>();
  for (int64_t o = 0; o < O; ++o)
    for (int64_t hwi = 0; hwi < H * W * I; ++hwi) d[hwi * O + o] = s[o * H * W * I + hwi];
  return out;
}

// The largest float v with v + eps == 1 exactly in float arithmetic, so the identity batch norm
// divides by sqrt(1) = 1.
float identity_variance(float eps) {
  float v = 1.f - eps;
  while (v + eps < 1.f) v = std::nextafter(v, 2.f);
  while (v + eps > 1.f) v = std::nextafter(v, 0.f);
  return v;
}

}  // namespace

TfliteSsdImport import_tflite_ssd(const io::TfliteModel& m) {
  TfliteSsdImport out;
  SsdConfig& c = out.config;

  // Depth multiplier from Conv2d_0's output channels (32 at multiplier 1).
  const int conv0 = require_tensor(m, kBackbone + "Conv2d_0", kWeightSuffixes, "weights");
  const Shape& conv0_shape = m.tensors()[conv0].shape;
  TAILOR_CHECK(conv0_shape.size() == 4, UserError, m.path(), ": Conv2d_0 weights are ",
               shape_str(conv0_shape), ", expected [out,kh,kw,in]");
  c.depth_multiplier = static_cast<float>(conv0_shape[0]) / 32.f;
  // Classes from the first class predictor: anchors_per_location[0] x (num_classes + 1).
  const int cls0 = require_tensor(m, "BoxPredictor_0/ClassPredictor", kBiasSuffixes, "biases");
  const int per_location0 = anchors_per_location(c.anchors).at(0);
  const int64_t cls_outputs = shape_numel(m.tensors()[cls0].shape);
  TAILOR_CHECK(cls_outputs % per_location0 == 0 && cls_outputs / per_location0 >= 2, UserError,
               m.path(), ": BoxPredictor_0/ClassPredictor has ", cls_outputs,
               " outputs, not a multiple of ", per_location0, " anchors x (classes + 1)");
  c.num_classes = static_cast<int>(cls_outputs / per_location0) - 1;

  if (const io::TfliteOperator* pp = m.find_operator("TFLite_Detection_PostProcess")) {
    out.post_process = m.detection_postprocess_options();
    TAILOR_CHECK(out.post_process.num_classes == c.num_classes, UserError, m.path(),
                 ": PostProcess num_classes ", out.post_process.num_classes,
                 " disagrees with the class predictor's ", c.num_classes);
    c.box_coder = {out.post_process.y_scale, out.post_process.x_scale, out.post_process.h_scale,
                   out.post_process.w_scale};
    c.post_process.score_threshold = out.post_process.nms_score_threshold;
    c.post_process.iou_threshold = out.post_process.nms_iou_threshold;
    c.post_process.max_total_detections = out.post_process.max_detections;
    c.post_process.max_detections_per_class = out.post_process.detections_per_class;
    if (pp->inputs.size() >= 3) {
      const Tensor a = m.dequantize(pp->inputs[2]);
      TAILOR_CHECK(a.dim() == 2 && a.size(1) == 4, UserError, m.path(), ": anchors are ",
                   shape_str(a.shape()), ", expected [N,4]");
      const float* av = a.data<float>();
      for (int64_t i = 0; i < a.size(0); ++i)
        out.anchors.push_back({av[4 * i], av[4 * i + 1], av[4 * i + 2], av[4 * i + 3]});
    }
  }

  const SsdArchitecture arch = build_ssd_architecture(c);
  const float unit_variance = identity_variance(c.batch_norm_epsilon);
  std::vector<Tensor> weights(arch.layers.size()), biases(arch.layers.size());
  for (const ParamSpec& p : parameter_specs(arch)) {
    const LayerSpec& layer = arch.layers[p.layer];
    Tensor value;
    switch (p.role) {
      case ParamRole::Weights: {
        const Tensor w = m.dequantize(require_tensor(m, layer.scope, kWeightSuffixes, "weights"));
        TAILOR_CHECK(w.dim() == 4, UserError, m.path(), ": ", w.name(), " is ",
                     shape_str(w.shape()));
        // Depthwise [1,kh,kw,C] has the memory order of [kh,kw,C,1].
        value = layer.kind == LayerKind::Depthwise ? w.view({w.size(1), w.size(2), w.size(3), 1})
                                                   : ohwi_to_hwio(w);
        break;
      }
      case ParamRole::Biases:
      case ParamRole::Beta:
        value = m.dequantize(require_tensor(m, layer.scope, kBiasSuffixes, "bias"));
        break;
      case ParamRole::Gamma:
        value = Tensor::full(p.shape, 1.f);
        break;
      case ParamRole::MovingMean:
        value = Tensor::zeros(p.shape);
        break;
      case ParamRole::MovingVariance:
        value = Tensor::full(p.shape, unit_variance);
        break;
    }
    TAILOR_CHECK(value.shape() == p.shape, UserError, m.path(), ": ", p.name, " would be ",
                 shape_str(value.shape()), " from the file but the model (depth multiplier ",
                 c.depth_multiplier, ", ", c.num_classes, " classes) needs ", shape_str(p.shape));
    value = value.clone();
    value.set_name(p.name);
    out.variables.push_back(value);
  }
  return out;
}

}  // namespace tailor::models
