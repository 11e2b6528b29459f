#include "pipeline/export/onnx_export.h"

#include <nlohmann/json.hpp>

#include "kernels/conv_geometry.h"
#include "models/ssd_inference.h"
#include "pipeline/export/onnx_graph.h"
#include "pipeline/model_io/model_config_json.h"
#include "runtime/error.h"
#include "runtime/version.h"

namespace tailor::pipeline {

namespace {

using A = OnnxAttribute;

// HWIO [k, k, I, O] as ONNX's OIHW; a depthwise [k, k, C, 1] as [C, 1, k, k].
std::vector<float> to_oihw(const models::FoldedLayer& l, std::vector<int64_t>* dims) {
  const int k = l.spec.kernel, I = l.spec.in_channels, O = l.spec.out_channels;
  std::vector<float> w(l.weights.size());
  if (l.spec.kind == models::LayerKind::Depthwise) {
    *dims = {O, 1, k, k};
    for (int h = 0; h < k; ++h)
      for (int x = 0; x < k; ++x)
        for (int c = 0; c < O; ++c) w[(size_t(c) * k + h) * k + x] = l.weights[(size_t(h) * k + x) * O + c];
    return w;
  }
  *dims = {O, I, k, k};
  for (int h = 0; h < k; ++h)
    for (int x = 0; x < k; ++x)
      for (int i = 0; i < I; ++i)
        for (int o = 0; o < O; ++o)
          w[((size_t(o) * I + i) * k + h) * k + x] = l.weights[((size_t(h) * k + x) * I + i) * O + o];
  return w;
}

// The NCHW feature extractor and predictors; returns the two raw outputs' names.
std::pair<std::string, std::string> add_network(OnnxGraph& g, const models::FoldedSsd& f,
                                                const std::string& nchw) {
  const int64_t C1 = f.config.num_classes + 1;
  g.add_float("zero", {}, {0.f});
  g.add_float("six", {}, {6.f});
  g.add_int64("box_shape", {3}, {0, -1, 4});
  g.add_int64("class_shape", {3}, {0, -1, C1});
  std::vector<std::string> out(f.layers.size());
  std::vector<std::string> boxes, classes;
  for (size_t i = 0; i < f.layers.size(); ++i) {
    const models::FoldedLayer& l = f.layers[i];
    const models::LayerSpec& s = l.spec;
    const std::string& x = s.input < 0 ? nchw : out[s.input];
    std::vector<int64_t> wdims;
    const std::string scope = s.scope;
    const std::vector<float> w = to_oihw(l, &wdims);
    g.add_float(scope + "/folded_weights", wdims, w);
    g.add_float(scope + "/folded_bias", {s.out_channels}, l.bias);
    const auto geom = kernels::make_conv_geometry(1, s.in_height, s.in_width, s.in_channels,
                                                  s.kernel, s.kernel, s.out_channels, s.stride,
                                                  kernels::Padding::Same);
    const int64_t bottom = (geom.out_h - 1) * s.stride + s.kernel - s.in_height - geom.pad_top;
    const int64_t right = (geom.out_w - 1) * s.stride + s.kernel - s.in_width - geom.pad_left;
    const int64_t group = s.kind == models::LayerKind::Depthwise ? s.in_channels : 1;
    std::string y = g.node("Conv", {x, scope + "/folded_weights", scope + "/folded_bias"},
                           {g.fresh(scope)},
                           {A::Ints("kernel_shape", {s.kernel, s.kernel}),
                            A::Ints("strides", {s.stride, s.stride}),
                            A::Ints("pads", {geom.pad_top, geom.pad_left, std::max<int64_t>(bottom, 0),
                                             std::max<int64_t>(right, 0)}),
                            A::Ints("dilations", {1, 1}), A::Int("group", group)});
    if (s.kind == models::LayerKind::Predictor) {
      const bool is_box = scope.find("BoxEncodingPredictor") != std::string::npos;
      const std::string nhwc =
          g.node("Transpose", {y}, {g.fresh(scope + "_nhwc")}, {A::Ints("perm", {0, 2, 3, 1})});
      const std::string r = g.node("Reshape", {nhwc, is_box ? "box_shape" : "class_shape"},
                                   {g.fresh(scope + "_rows")});
      (is_box ? boxes : classes).push_back(r);
      continue;
    }
    if (l.relu6) y = g.node("Clip", {y, "zero", "six"}, {g.fresh(scope + "_relu6")});
    out[i] = y;
  }
  g.node("Concat", boxes, {"box_encodings"}, {A::Int("axis", 1)});
  g.node("Concat", classes, {"class_predictions_with_background"}, {A::Int("axis", 1)});
  return {"box_encodings", "class_predictions_with_background"};
}

// Box decoding, sigmoid scores, per-class NMS and the top K over all classes, as the TF OD
// API's exported detection graph returns them.
void add_postprocess(OnnxGraph& g, const models::SsdConfig& c,
                     const std::vector<models::BoxCorners>& anchors) {
  const int64_t K = c.post_process.max_total_detections;
  const int64_t C = c.num_classes, C1 = C + 1;
  std::vector<float> centers, sizes;
  for (const models::BoxCorners& a : anchors) {
    const float h = a.ymax - a.ymin, w = a.xmax - a.xmin;
    centers.insert(centers.end(), {a.ymin + h / 2, a.xmin + w / 2});
    sizes.insert(sizes.end(), {h, w});
  }
  const int64_t n_anchors = static_cast<int64_t>(anchors.size());
  g.add_float("anchor_centers", {n_anchors, 2}, centers);
  g.add_float("anchor_sizes", {n_anchors, 2}, sizes);
  const auto& bc = c.box_coder;
  g.add_float("code_scale", {4}, {1 / bc.y_scale, 1 / bc.x_scale, 1 / bc.height_scale,
                                  1 / bc.width_scale});
  g.add_float("half", {}, {0.5f});
  g.add_float("one", {}, {1.f});
  g.add_float("minus_one", {}, {-1.f});
  g.add_float("minus_half", {}, {-0.5f});
  g.add_int64("i0", {}, {0});
  g.add_int64("i1", {}, {1});
  g.add_int64("axis0", {1}, {0});
  g.add_int64("axis1", {1}, {1});
  g.add_int64("axis2", {1}, {2});
  g.add_int64("two", {1}, {2});
  g.add_int64("four", {1}, {4});
  g.add_int64("class_begin", {1}, {1});
  g.add_int64("class_end", {1}, {C1});
  g.add_int64("batch_anchor", {2}, {0, 2});
  g.add_int64("max_per_class", {1}, {c.post_process.max_detections_per_class});
  g.add_float("iou_threshold", {1}, {c.post_process.iou_threshold});
  g.add_float("score_threshold", {1}, {c.post_process.score_threshold});
  g.add_int64("max_total", {1}, {K});
  g.add_int64("zero1", {1}, {0});

  // yc = ty / y_scale * ha + ya, ..., h = exp(th / height_scale) * ha, ...
  const std::string codes = g.node("Mul", {"box_encodings", "code_scale"}, {g.fresh("codes")});
  const std::string c01 =
      g.node("Slice", {codes, "axis0", "two", "axis2"}, {g.fresh("center_codes")});
  const std::string c23 = g.node("Slice", {codes, "two", "four", "axis2"}, {g.fresh("size_codes")});
  const std::string mid = g.node(
      "Add", {g.node("Mul", {c01, "anchor_sizes"}, {g.fresh("offsets")}), "anchor_centers"},
      {g.fresh("centers")});
  const std::string size =
      g.node("Mul", {g.node("Exp", {c23}, {g.fresh("exp")}), "anchor_sizes"}, {g.fresh("sizes")});
  const std::string half = g.node("Mul", {size, "half"}, {g.fresh("half_sizes")});
  const std::string lo = g.node("Sub", {mid, half}, {g.fresh("mins")});
  const std::string hi = g.node("Add", {mid, half}, {g.fresh("maxs")});
  const std::string corners = g.node("Concat", {lo, hi}, {g.fresh("corners")}, {A::Int("axis", 2)});
  const std::string boxes = g.node("Clip", {corners, "zero", "one"}, {g.fresh("boxes")});

  const std::string probs =
      g.node("Sigmoid", {"class_predictions_with_background"}, {g.fresh("probs")});
  const std::string fg =
      g.node("Slice", {probs, "class_begin", "class_end", "axis2"}, {g.fresh("scores")});
  const std::string by_class =
      g.node("Transpose", {fg}, {g.fresh("scores_by_class")}, {A::Ints("perm", {0, 2, 1})});
  const std::string sel =
      g.node("NonMaxSuppression",
             {boxes, by_class, "max_per_class", "iou_threshold", "score_threshold"},
             {g.fresh("selected")}, {A::Int("center_point_box", 0)});
  const std::string sel_image = g.node("Gather", {sel, "i0"}, {g.fresh("sel_image")}, {A::Int("axis", 1)});
  const std::string sel_class = g.node("Gather", {sel, "i1"}, {g.fresh("sel_class")}, {A::Int("axis", 1)});
  const std::string sel_ba =
      g.node("Gather", {sel, "batch_anchor"}, {g.fresh("sel_image_anchor")}, {A::Int("axis", 1)});
  const std::string sel_scores = g.node("GatherND", {by_class, sel}, {g.fresh("sel_scores")});
  const std::string sel_boxes = g.node("GatherND", {boxes, sel_ba}, {g.fresh("sel_boxes")});

  // Per image, the K best of its selected boxes: scores of other images' boxes become -1.
  const std::string shape = g.node("Shape", {"box_encodings"}, {g.fresh("shape")});
  const std::string n = g.node("Gather", {shape, "i0"}, {g.fresh("n")}, {A::Int("axis", 0)});
  const std::string images = g.node("Range", {"i0", n, "i1"}, {g.fresh("image_ids")});
  const std::string mask = g.node(
      "Equal",
      {g.node("Unsqueeze", {images, "axis1"}, {g.fresh("image_col")}),
       g.node("Unsqueeze", {sel_image, "axis0"}, {g.fresh("sel_image_row")})},
      {g.fresh("mine")});
  const std::string masked = g.node(
      "Where", {mask, g.node("Unsqueeze", {sel_scores, "axis0"}, {g.fresh("score_row")}), "minus_one"},
      {g.fresh("masked_scores")});
  const std::string count = g.node("Shape", {sel_scores}, {g.fresh("selected_count")});
  const std::string k = g.node("Min", {"max_total", count}, {g.fresh("k")});
  const std::string top_scores = g.fresh("top_scores"), top_index = g.fresh("top_index");
  g.node("TopK", {masked, k}, {top_scores, top_index},
         {A::Int("axis", 1), A::Int("largest", 1), A::Int("sorted", 1)});
  const std::string valid = g.node("Greater", {top_scores, "minus_half"}, {g.fresh("valid")});
  const std::string det_scores = g.node("Where", {valid, top_scores, "zero"}, {g.fresh("det_scores")});
  const std::string det_boxes = g.node(
      "Where",
      {g.node("Unsqueeze", {valid, "axis2"}, {g.fresh("valid3")}),
       g.node("Gather", {sel_boxes, top_index}, {g.fresh("top_boxes")}, {A::Int("axis", 0)}), "zero"},
      {g.fresh("det_boxes")});
  const std::string classes = g.node(
      "Add",
      {g.node("Cast",
              {g.node("Gather", {sel_class, top_index}, {g.fresh("top_class")}, {A::Int("axis", 0)})},
              {g.fresh("top_class_f")}, {A::Int("to", static_cast<int>(OnnxType::kFloat))}),
       "one"},
      {g.fresh("top_label")});
  const std::string det_classes = g.node("Where", {valid, classes, "zero"}, {g.fresh("det_classes")});
  g.node("ReduceSum",
         {g.node("Cast", {valid}, {g.fresh("valid_f")}, {A::Int("to", static_cast<int>(OnnxType::kFloat))}),
          "axis1"},
         {"num_detections"}, {A::Int("keepdims", 0)});
  // Zero-padded to K detections per image.
  const std::string pad = g.node("Sub", {"max_total", k}, {g.fresh("pad")});
  const std::string pads2 =
      g.node("Concat", {"zero1", "zero1", "zero1", pad}, {g.fresh("pads2")}, {A::Int("axis", 0)});
  const std::string pads3 = g.node("Concat", {"zero1", "zero1", "zero1", "zero1", pad, "zero1"},
                                   {g.fresh("pads3")}, {A::Int("axis", 0)});
  g.node("Pad", {det_boxes, pads3}, {"detection_boxes"});
  g.node("Pad", {det_scores, pads2}, {"detection_scores"});
  g.node("Pad", {det_classes, pads2}, {"detection_classes"});
}

}  // namespace

std::string export_onnx(const LoadedDetector& detector, const OnnxExportOptions& o) {
  TAILOR_CHECK(detector.model != nullptr, UserError, detector.source, ": no model to export");
  TAILOR_CHECK(o.batch >= 0, UsageError, "--batch must be a positive number or dynamic");
  onnx_ir_version(o.opset);  // validates the opset
  const models::FoldedSsd folded = models::fold_batch_norm(*detector.model);
  const models::SsdConfig& c = folded.config;
  OnnxGraph g("tailor_ssd_mobilenet_v1");
  const OnnxDim batch = o.batch > 0 ? OnnxDim{o.batch, ""} : OnnxDim{-1, "batch"};
  const OnnxDim H{c.image_height, ""}, W{c.image_width, ""}, three{3, ""};
  g.input("images", o.uint8_input ? OnnxType::kUint8 : OnnxType::kFloat, {batch, H, W, three});
  std::string x = "images";
  if (o.uint8_input) {
    // (2 / 255) x - 1, the preprocessing Tailor's loader and detect apply.
    g.add_float("pixel_scale", {}, {2.0f / 255.0f});
    g.add_float("pixel_one", {}, {1.f});
    x = g.node("Cast", {x}, {g.fresh("pixels")}, {A::Int("to", static_cast<int>(OnnxType::kFloat))});
    x = g.node("Mul", {x, "pixel_scale"}, {g.fresh("scaled")});
    x = g.node("Sub", {x, "pixel_one"}, {g.fresh("normalized")});
  }
  const std::string nchw =
      g.node("Transpose", {x}, {g.fresh("nchw")}, {A::Ints("perm", {0, 3, 1, 2})});
  add_network(g, folded, nchw);
  const std::vector<models::BoxCorners>& anchors =
      detector.anchors.empty() ? detector.model->anchor_boxes() : detector.anchors;
  const OnnxDim A_{static_cast<int64_t>(anchors.size()), ""};
  if (o.with_postprocess) {
    TAILOR_CHECK(!anchors.empty(), UserError, detector.source, ": the model has no anchors");
    add_postprocess(g, c, anchors);
    const OnnxDim K{c.post_process.max_total_detections, ""};
    g.output("detection_boxes", OnnxType::kFloat, {batch, K, {4, ""}});
    g.output("detection_scores", OnnxType::kFloat, {batch, K});
    g.output("detection_classes", OnnxType::kFloat, {batch, K});
    g.output("num_detections", OnnxType::kFloat, {batch});
  } else {
    g.output("box_encodings", OnnxType::kFloat, {batch, A_, {4, ""}});
    g.output("class_predictions_with_background", OnnxType::kFloat,
             {batch, A_, {c.num_classes + 1, ""}});
  }
  const nlohmann::json box_coder = {{"y_scale", c.box_coder.y_scale},
                                    {"x_scale", c.box_coder.x_scale},
                                    {"height_scale", c.box_coder.height_scale},
                                    {"width_scale", c.box_coder.width_scale}};
  const nlohmann::json model_config = nlohmann::json::parse(ssd_config_to_json(c));
  std::vector<std::pair<std::string, std::string>> meta = {
      {"tailor.version", tailor_version()},
      {"tailor.source", o.source.empty() ? detector.source : o.source},
      {"tailor.model_config", model_config.dump()},
      {"tailor.anchors", model_config.value("anchors", nlohmann::json::object()).dump()},
      {"tailor.box_coder", box_coder.dump()},
      {"tailor.input", o.uint8_input ? "uint8 RGB 0..255, NHWC" : "float32 RGB in [-1, 1], NHWC"},
      {"tailor.postprocess", o.with_postprocess ? "TF OD API detections" : "none (raw predictions)"}};
  if (!detector.labels.empty()) meta.push_back({"tailor.label_map", label_map_to_json(detector.labels)});
  return g.serialize(o.opset, tailor_version(), meta);
}

}  // namespace tailor::pipeline
