#include "pipeline/config/model_config_yaml.h"

#include "models/image_level.h"
#include "pipeline/config/yaml_section.h"
#include "runtime/error.h"

namespace tailor::pipeline {

namespace {

// Beyond these the model would not fit any memory or the config is a typo.
constexpr int kMaxImageSide = 4096;
constexpr int kMaxClasses = 10000;
constexpr int kMaxAspectRatios = 16;

void parse_anchors(YamlSection anchors, models::AnchorConfig* a) {
  anchors.read("num_layers", &a->num_layers);
  anchors.require(a->num_layers == 6, "num_layers", "must be 6 (one per feature map)");
  anchors.read("min_scale", &a->min_scale);
  anchors.read("max_scale", &a->max_scale);
  anchors.require(a->min_scale > 0.f && a->max_scale >= a->min_scale, "max_scale",
                  "must be >= min_scale > 0");
  anchors.read_list("aspect_ratios", &a->aspect_ratios);
  anchors.require(
      !a->aspect_ratios.empty() && static_cast<int>(a->aspect_ratios.size()) <= kMaxAspectRatios,
      "aspect_ratios", "must hold 1 to " + std::to_string(kMaxAspectRatios) + " ratios");
  for (float r : a->aspect_ratios) anchors.require(r > 0.f, "aspect_ratios", "must all be > 0");
  anchors.read("interpolated_scale_aspect_ratio", &a->interpolated_scale_aspect_ratio);
  anchors.require(a->interpolated_scale_aspect_ratio >= 0.f, "interpolated_scale_aspect_ratio",
                  "must be >= 0 (0 disables the extra anchor)");
  anchors.read("reduce_boxes_in_lowest_layer", &a->reduce_boxes_in_lowest_layer);
  anchors.read("base_anchor_height", &a->base_anchor_height);
  anchors.read("base_anchor_width", &a->base_anchor_width);
  anchors.require(a->base_anchor_height > 0.f && a->base_anchor_width > 0.f, "base_anchor_width",
                  "and base_anchor_height must be > 0");
  anchors.finish();
}

void parse_conv_impl(YamlSection s, kernels::cuda::ConvImplSelection* c) {
  namespace kc = kernels::cuda;
  std::string name;
  if (s.read("depthwise", &name) &&
      !(kc::find_conv_impl(name, &c->depthwise) && kc::depthwise_supports(c->depthwise)))
    s.fail("depthwise", "must be " + kc::conv_impl_names(true) + ", got '" + name + "'");
  if (s.read("pointwise", &name) && !kc::find_conv_impl(name, &c->pointwise))
    s.fail("pointwise", "must be " + kc::conv_impl_names(false) + ", got '" + name + "'");
  s.finish();
}

}  // namespace

models::SsdConfig parse_model_config(const YAML::Node& model, const std::string& file,
                                     kernels::cuda::ConvImplSelection* conv_impl) {
  models::SsdConfig c;
  YamlSection top(model, "model", file);
  YamlSection ssd = top.required_child("ssd");
  ssd.read("num_classes", &c.num_classes);
  ssd.require(c.num_classes >= 1 && c.num_classes <= kMaxClasses, "num_classes",
              "must be in [1, " + std::to_string(kMaxClasses) + "]");
  ssd.read("image_height", &c.image_height);
  ssd.require(c.image_height >= 33, "image_height", "must be >= 33");
  ssd.require(c.image_height <= kMaxImageSide, "image_height", "must be <= 4096");
  ssd.read("image_width", &c.image_width);
  ssd.require(c.image_width >= 33, "image_width", "must be >= 33");
  ssd.require(c.image_width <= kMaxImageSide, "image_width", "must be <= 4096");
  ssd.read("depth_multiplier", &c.depth_multiplier);
  ssd.require(c.depth_multiplier > 0.f && c.depth_multiplier <= 4.f, "depth_multiplier",
              "must be in (0, 4]");
  ssd.read("min_depth", &c.min_depth);
  ssd.require(c.min_depth >= 1, "min_depth", "must be >= 1");
  ssd.read("batch_norm_decay", &c.batch_norm_decay);
  ssd.require(c.batch_norm_decay >= 0.f && c.batch_norm_decay <= 1.f, "batch_norm_decay",
              "must be in [0, 1]");
  ssd.read("batch_norm_epsilon", &c.batch_norm_epsilon);
  ssd.read("freeze_batchnorm", &c.freeze_batchnorm);
  ssd.require(c.batch_norm_epsilon > 0.f, "batch_norm_epsilon", "must be > 0");
  ssd.read("backbone_init_stddev", &c.backbone_init_stddev);
  ssd.require(c.backbone_init_stddev > 0.f, "backbone_init_stddev", "must be > 0");
  ssd.read("head_init_stddev", &c.head_init_stddev);
  ssd.require(c.head_init_stddev > 0.f, "head_init_stddev", "must be > 0");
  ssd.read("init_seed", &c.init_seed);

  parse_anchors(ssd.child("anchors"), &c.anchors);

  YamlSection coder = ssd.child("box_coder");
  coder.read("y_scale", &c.box_coder.y_scale);
  coder.read("x_scale", &c.box_coder.x_scale);
  coder.read("height_scale", &c.box_coder.height_scale);
  coder.read("width_scale", &c.box_coder.width_scale);
  coder.require(c.box_coder.y_scale > 0 && c.box_coder.x_scale > 0 &&
                    c.box_coder.height_scale > 0 && c.box_coder.width_scale > 0,
                "width_scale", "and the other scales must be > 0");
  coder.finish();

  YamlSection matcher = ssd.child("matcher");
  matcher.read("matched_threshold", &c.matcher.matched_threshold);
  matcher.read("unmatched_threshold", &c.matcher.unmatched_threshold);
  matcher.require(c.matcher.unmatched_threshold <= c.matcher.matched_threshold,
                  "unmatched_threshold", "must be <= matched_threshold");
  matcher.read("negatives_lower_than_unmatched", &c.matcher.negatives_lower_than_unmatched);
  matcher.read("force_match_for_each_row", &c.matcher.force_match_for_each_row);
  matcher.finish();

  YamlSection loss = ssd.child("loss");
  loss.read("classification_weight", &c.loss.classification_weight);
  loss.read("localization_weight", &c.loss.localization_weight);
  loss.require(c.loss.classification_weight >= 0.f && c.loss.localization_weight >= 0.f,
               "localization_weight", "and classification_weight must be >= 0");
  loss.read("num_hard_examples", &c.loss.num_hard_examples);
  loss.require(c.loss.num_hard_examples >= 1, "num_hard_examples", "must be >= 1");
  loss.read("hard_mining_iou", &c.loss.hard_mining_iou);
  loss.read("max_negatives_per_positive", &c.loss.max_negatives_per_positive);
  loss.read("min_negatives_per_image", &c.loss.min_negatives_per_image);
  loss.require(c.loss.min_negatives_per_image >= 0, "min_negatives_per_image", "must be >= 0");
  loss.read("l2_weight", &c.loss.l2_weight);
  loss.require(c.loss.l2_weight >= 0.f, "l2_weight", "must be >= 0");
  YamlSection image_level = loss.child("image_level");
  models::ImageLevelLossConfig& il = c.loss.image_level;
  std::string method;
  if (image_level.read("method", &method) && !models::find_image_level_method(method, &il.method)) {
    std::string known;
    for (const models::ImageLevelMethodInfo& m : models::image_level_methods())
      known += std::string(known.empty() ? "" : ", ") + m.name;
    image_level.fail("method", "must be " + known + ", got '" + method + "'");
  }
  image_level.read("weight", &il.weight);
  image_level.require(il.weight >= 0.f && il.weight <= 100.f, "weight", "must be in [0, 100]");
  image_level.read("min_score", &il.min_score);
  image_level.require(il.min_score >= 0.f && il.min_score <= 1.f, "min_score", "must be in [0, 1]");
  image_level.read("start_step", &il.start_step);
  image_level.read("box_negatives", &il.box_negatives);
  image_level.read("class_aware", &il.class_aware);
  image_level.require(!il.class_aware || il.method == models::ImageLevelMethod::kMaxSize,
                      "class_aware", "applies to method max_size only");
  image_level.require(il.start_step >= 0, "start_step", "must be >= 0");
  image_level.finish();
  loss.finish();

  YamlSection post = ssd.child("post_process");
  post.read("score_threshold", &c.post_process.score_threshold);
  post.read("iou_threshold", &c.post_process.iou_threshold);
  post.require(c.post_process.iou_threshold >= 0.f && c.post_process.iou_threshold <= 1.f,
               "iou_threshold", "must be in [0, 1]");
  post.read("max_detections_per_class", &c.post_process.max_detections_per_class);
  post.require(c.post_process.max_detections_per_class >= 1, "max_detections_per_class",
               "must be >= 1");
  post.read("max_total_detections", &c.post_process.max_total_detections);
  post.require(c.post_process.max_total_detections >= 1, "max_total_detections", "must be >= 1");
  post.finish();

  kernels::cuda::ConvImplSelection ignored;
  parse_conv_impl(ssd.child("conv_impl"), conv_impl ? conv_impl : &ignored);

  ssd.finish();
  top.finish();
  return c;
}

models::SsdConfig load_model_config(const std::string& path) {
  YAML::Node root = load_yaml_file(path);
  if (!root.IsMap() || !root["model"]) throw UserError(path + ": missing top-level key 'model'");
  return parse_model_config(root["model"], path);
}

}  // namespace tailor::pipeline
