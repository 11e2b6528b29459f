#include "pipeline/config/tf_config_import.h"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>

#include "data/augment.h"
#include "pipeline/config/augmentation_config.h"
#include "runtime/error.h"
#include "runtime/io/atomic_file.h"
#include "runtime/io/text_proto.h"

namespace tailor::pipeline {

using io::TextProtoField;
using io::TextProtoMessage;

namespace {

// The shortest decimal that reads back as the same float: TF stores floats, so
// 0.00400000018999 in a pipeline.config is 0.004f.
std::string float_text(double v) {
  const float f = static_cast<float>(v);
  char buf[32];
  for (int p = 1; p <= 9; ++p) {
    std::snprintf(buf, sizeof buf, "%.*g", p, f);
    if (std::strtof(buf, nullptr) == f) break;
  }
  std::string s = buf;
  // %g writes 10 as "1e+01": write whole numbers in full.
  if (s.find("e+") != std::string::npos && std::fabs(f) < 1e9f && f == std::floor(f)) {
    std::snprintf(buf, sizeof buf, "%.0f", f);
    s = buf;
  }
  // Whole numbers get ".0" so that the YAML reads as the float it is.
  if (s.find_first_of(".eE") == std::string::npos && s.find("inf") == std::string::npos &&
      s.find("nan") == std::string::npos)
    s += ".0";
  return s;
}

class Converter {
 public:
  explicit Converter(std::string file) : file_(std::move(file)) {}

  std::vector<std::string> warnings;

  const TextProtoField* get(const TextProtoMessage* m, const char* name) {
    if (!m) return nullptr;
    const TextProtoField* f = m->find(name);
    for (const TextProtoField* x : m->all(name)) x->used = true;
    return f;
  }
  const TextProtoMessage* sub(const TextProtoMessage* m, const char* name) {
    const TextProtoField* f = get(m, name);
    if (!f) return nullptr;
    if (!f->is_message) fail(f, std::string(name) + " must be a message");
    return f->message.get();
  }
  double number(const TextProtoField* f) {
    if (f->is_message || f->quoted) fail(f, f->name + " must be a number");
    char* end = nullptr;
    const double v = std::strtod(f->value.c_str(), &end);
    if (!end || *end) fail(f, f->name + " must be a number, got '" + f->value + "'");
    return v;
  }
  bool boolean(const TextProtoField* f) {
    if (f->value == "true" || f->value == "True" || f->value == "t" || f->value == "1") return true;
    if (f->value == "false" || f->value == "False" || f->value == "f" || f->value == "0")
      return false;
    fail(f, f->name + " must be true or false, got '" + f->value + "'");
  }
  std::string text(const TextProtoField* f) {
    if (f->is_message) fail(f, f->name + " must be a value, not a message");
    return f->value;
  }

  // Copies a float / int / bool / string field into `out[key]` when present.
  void copy_float(const TextProtoMessage* m, const char* name, YAML::Node out, const char* key) {
    if (auto f = get(m, name)) out[key] = float_text(number(f));
  }
  void copy_int(const TextProtoMessage* m, const char* name, YAML::Node out, const char* key) {
    if (auto f = get(m, name)) out[key] = static_cast<long long>(number(f));
  }
  void copy_bool(const TextProtoMessage* m, const char* name, YAML::Node out, const char* key) {
    if (auto f = get(m, name)) out[key] = boolean(f);
  }
  // A field Tailor's fixed architecture implies: fine at `expected`, a warning otherwise.
  void expect(const TextProtoMessage* m, const char* name, const std::string& expected,
              const std::string& path) {
    const TextProtoField* f = get(m, name);
    if (f && !f->is_message && f->value != expected &&
        !(is_number(expected) && is_number(f->value) &&
          std::strtod(f->value.c_str(), nullptr) == std::strtod(expected.c_str(), nullptr)))
      warn(f, path + "." + name + ": " + f->value + " is not supported (Tailor uses " + expected +
                  ")");
  }
  void warn(const TextProtoField* f, const std::string& what) {
    warnings.push_back(file_ + ":" + std::to_string(f ? f->line : 0) + ": " + what);
  }
  [[noreturn]] void fail(const TextProtoField* f, const std::string& what) {
    throw UserError(file_ + ":" + std::to_string(f->line) + ": " + what);
  }

  // Every field nobody consumed, as a warning naming its path.
  void report_unused(const TextProtoMessage& m, const std::string& path) {
    for (const auto& f : m.fields) {
      const std::string p = path.empty() ? f.name : path + "." + f.name;
      if (!f.used)
        warn(&f, p + (f.is_message ? " { ... }" : ": " + f.value) + " is not supported; dropped");
      else if (f.is_message)
        report_unused(*f.message, p);
    }
  }

 private:
  static bool is_number(const std::string& s) {
    char* end = nullptr;
    std::strtod(s.c_str(), &end);
    return !s.empty() && end && !*end;
  }
  std::string file_;
};

void convert_hyperparams(Converter& c, const TextProtoMessage* h, YAML::Node ssd,
                         const std::string& path) {
  if (!h) return;
  const auto* reg = c.sub(h, "regularizer");
  if (const auto* l2 = c.sub(reg, "l2_regularizer"))
    c.copy_float(l2, "weight", ssd["loss"], "l2_weight");
  const auto* init = c.sub(h, "initializer");
  if (const auto* tn = c.sub(init, "truncated_normal_initializer")) {
    c.copy_float(tn, "stddev", ssd, "head_init_stddev");
    c.expect(tn, "mean", "0", path + ".initializer.truncated_normal_initializer");
  }
  c.expect(h, "activation", "RELU_6", path);
  if (const auto* bn = c.sub(h, "batch_norm")) {
    c.copy_float(bn, "decay", ssd, "batch_norm_decay");
    c.copy_float(bn, "epsilon", ssd, "batch_norm_epsilon");
    for (const char* k : {"center", "scale", "train"})
      c.expect(bn, k, "true", path + ".batch_norm");
  }
}

void convert_model(Converter& c, const TextProtoMessage* model, YAML::Node out) {
  const auto* ssd = c.sub(model, "ssd");
  if (!ssd)
    throw UserError("the pipeline config has no model { ssd { ... } }: Tailor trains SSD only");
  YAML::Node s = out["ssd"];
  c.copy_int(ssd, "num_classes", s, "num_classes");
  if (const auto* r = c.sub(ssd, "image_resizer")) {
    if (const auto* fixed = c.sub(r, "fixed_shape_resizer")) {
      c.copy_int(fixed, "height", s, "image_height");
      c.copy_int(fixed, "width", s, "image_width");
    }
  }
  if (const auto* fe = c.sub(ssd, "feature_extractor")) {
    c.expect(fe, "type", "ssd_mobilenet_v1", "model.ssd.feature_extractor");
    c.copy_float(fe, "depth_multiplier", s, "depth_multiplier");
    c.copy_int(fe, "min_depth", s, "min_depth");
    convert_hyperparams(c, c.sub(fe, "conv_hyperparams"), s,
                        "model.ssd.feature_extractor.conv_hyperparams");
  }
  if (const auto* bc = c.sub(c.sub(ssd, "box_coder"), "faster_rcnn_box_coder"))
    for (const char* k : {"y_scale", "x_scale", "height_scale", "width_scale"})
      c.copy_float(bc, k, s["box_coder"], k);
  if (const auto* m = c.sub(c.sub(ssd, "matcher"), "argmax_matcher")) {
    c.copy_float(m, "matched_threshold", s["matcher"], "matched_threshold");
    c.copy_float(m, "unmatched_threshold", s["matcher"], "unmatched_threshold");
    c.copy_bool(m, "negatives_lower_than_unmatched", s["matcher"],
                "negatives_lower_than_unmatched");
    c.copy_bool(m, "force_match_for_each_row", s["matcher"], "force_match_for_each_row");
    c.expect(m, "ignore_thresholds", "false", "model.ssd.matcher.argmax_matcher");
  }
  c.sub(c.sub(ssd, "similarity_calculator"), "iou_similarity");
  if (const auto* bp = c.sub(c.sub(ssd, "box_predictor"), "convolutional_box_predictor")) {
    const std::string p = "model.ssd.box_predictor.convolutional_box_predictor";
    convert_hyperparams(c, c.sub(bp, "conv_hyperparams"), s, p + ".conv_hyperparams");
    c.expect(bp, "min_depth", "0", p);
    c.expect(bp, "max_depth", "0", p);
    c.expect(bp, "num_layers_before_predictor", "0", p);
    c.expect(bp, "use_dropout", "false", p);
    c.get(bp, "dropout_keep_probability");  // unused while use_dropout is false
    c.expect(bp, "kernel_size", "1", p);
    c.expect(bp, "box_code_size", "4", p);
    c.expect(bp, "apply_sigmoid_to_scores", "false", p);
  }
  if (const auto* a = c.sub(c.sub(ssd, "anchor_generator"), "ssd_anchor_generator")) {
    YAML::Node an = s["anchors"];
    c.copy_int(a, "num_layers", an, "num_layers");
    c.copy_float(a, "min_scale", an, "min_scale");
    c.copy_float(a, "max_scale", an, "max_scale");
    const auto ratios = a->all("aspect_ratios");
    if (!ratios.empty()) {
      YAML::Node list(YAML::NodeType::Sequence);
      for (const auto* r : ratios) {
        r->used = true;
        list.push_back(float_text(c.number(r)));
      }
      list.SetStyle(YAML::EmitterStyle::Flow);
      an["aspect_ratios"] = list;
    }
    c.copy_float(a, "interpolated_scale_aspect_ratio", an, "interpolated_scale_aspect_ratio");
    c.copy_bool(a, "reduce_boxes_in_lowest_layer", an, "reduce_boxes_in_lowest_layer");
    c.copy_float(a, "base_anchor_height", an, "base_anchor_height");
    c.copy_float(a, "base_anchor_width", an, "base_anchor_width");
  }
  if (const auto* pp = c.sub(ssd, "post_processing")) {
    if (const auto* nms = c.sub(pp, "batch_non_max_suppression")) {
      YAML::Node o = s["post_process"];
      c.copy_float(nms, "score_threshold", o, "score_threshold");
      c.copy_float(nms, "iou_threshold", o, "iou_threshold");
      c.copy_int(nms, "max_detections_per_class", o, "max_detections_per_class");
      c.copy_int(nms, "max_total_detections", o, "max_total_detections");
    }
    c.expect(pp, "score_converter", "SIGMOID", "model.ssd.post_processing");
  }
  c.expect(ssd, "normalize_loss_by_num_matches", "true", "model.ssd");
  if (const auto* loss = c.sub(ssd, "loss")) {
    c.sub(c.sub(loss, "localization_loss"), "weighted_smooth_l1");
    c.sub(c.sub(loss, "classification_loss"), "weighted_sigmoid");
    YAML::Node l = s["loss"];
    c.copy_float(loss, "classification_weight", l, "classification_weight");
    c.copy_float(loss, "localization_weight", l, "localization_weight");
    if (const auto* h = c.sub(loss, "hard_example_miner")) {
      c.copy_int(h, "num_hard_examples", l, "num_hard_examples");
      c.copy_float(h, "iou_threshold", l, "hard_mining_iou");
      c.copy_int(h, "max_negatives_per_positive", l, "max_negatives_per_positive");
      c.copy_int(h, "min_negatives_per_image", l, "min_negatives_per_image");
      c.expect(h, "loss_type", "CLASSIFICATION", "model.ssd.loss.hard_example_miner");
    }
  }
}

void convert_train(Converter& c, const TextProtoMessage* t, YAML::Node out) {
  // TF's train.proto defaults where the file is silent.
  out["batch_size"] = 32;
  c.copy_int(t, "batch_size", out, "batch_size");
  YAML::Node ed = out["optimizer"]["rms_prop"]["learning_rate"]["exponential_decay"];
  ed["initial_learning_rate"] = "0.002";
  ed["decay_steps"] = 4000000;
  ed["decay_factor"] = "0.95";
  ed["staircase"] = true;
  YAML::Node rms = out["optimizer"]["rms_prop"];
  rms["momentum"] = "0.9";
  rms["decay"] = "0.9";
  rms["epsilon"] = "1.0";
  if (const auto* opt = c.sub(t, "optimizer")) {
    const auto* r = c.sub(opt, "rms_prop_optimizer");
    if (!r) {
      for (const auto& f : opt->fields)
        if (f.is_message)
          c.warn(&f, "train_config.optimizer." + f.name +
                         " is not supported (Tailor trains with rms_prop_optimizer); the RMSProp "
                         "defaults are written instead"),
              f.used = true;
    }
    if (const auto* lr = c.sub(r, "learning_rate")) {
      if (const auto* e = c.sub(lr, "exponential_decay_learning_rate")) {
        c.copy_float(e, "initial_learning_rate", ed, "initial_learning_rate");
        c.copy_int(e, "decay_steps", ed, "decay_steps");
        c.copy_float(e, "decay_factor", ed, "decay_factor");
        c.copy_bool(e, "staircase", ed, "staircase");
      }
    }
    c.copy_float(r, "momentum_optimizer_value", rms, "momentum");
    c.copy_float(r, "decay", rms, "decay");
    c.copy_float(r, "epsilon", rms, "epsilon");
    c.copy_bool(opt, "use_moving_average", out, "use_moving_average");
    c.copy_float(opt, "moving_average_decay", out, "moving_average_decay");
  }
  const auto* steps = c.get(t, "num_steps");
  const long long n = steps ? static_cast<long long>(c.number(steps)) : 0;
  if (n <= 0) {
    c.warn(steps,
           "train_config.num_steps is 0 (train forever), which Tailor does not do; "
           "wrote 200000");
    out["num_steps"] = 200000;
  } else {
    out["num_steps"] = n;
  }
  if (const auto* f = c.get(t, "fine_tune_checkpoint")) {
    out["fine_tune_checkpoint"] = c.text(f);
    if (c.text(f).find("PATH_TO_BE_CONFIGURED") != std::string::npos)
      c.warn(f, "train_config.fine_tune_checkpoint still says PATH_TO_BE_CONFIGURED");
  }
  if (const auto* f = c.get(t, "fine_tune_checkpoint_type"))
    out["fine_tune_checkpoint_type"] = c.text(f);
  if (const auto* f = c.get(t, "from_detection_checkpoint"))
    out["fine_tune_checkpoint_type"] = c.boolean(f) ? "detection" : "classification";
  YAML::Node frozen(YAML::NodeType::Sequence);
  for (const auto* f : t ? t->all("freeze_variables") : std::vector<const TextProtoField*>{}) {
    f->used = true;
    frozen.push_back(c.text(f));
  }
  if (frozen.size()) out["freeze_variables"] = frozen;
  YAML::Node aug(YAML::NodeType::Sequence);
  for (const auto* f :
       t ? t->all("data_augmentation_options") : std::vector<const TextProtoField*>{}) {
    f->used = true;
    if (!f->is_message) c.fail(f, "data_augmentation_options must be a message");
    for (const auto& op : f->message->fields) {
      op.used = true;
      const data::AugmentationInfo* spec = data::find_augmentation(op.name);
      if (!spec) {
        c.warn(&op, "train_config.data_augmentation_options." + op.name +
                        " is not supported by Tailor; dropped");
        continue;
      }
      YAML::Node params(YAML::NodeType::Map);
      if (op.is_message)
        for (const auto& p : op.message->fields) {
          bool known = false;
          for (const auto& d : spec->defaults) known |= d.first == p.name;
          p.used = known;  // unknown parameters are reported below
          if (known) params[p.name] = float_text(c.number(&p));
        }
      if (params.size() == 0) {
        aug.push_back(op.name);
      } else {
        YAML::Node item;
        params.SetStyle(YAML::EmitterStyle::Flow);
        item[op.name] = params;
        aug.push_back(item);
      }
    }
  }
  if (aug.size()) out["augmentation"] = aug;
}

void convert_input(Converter& c, const TextProtoMessage* in, YAML::Node out,
                   const std::string& path) {
  if (const auto* f = c.get(in, "label_map_path")) {
    out["label_map"] = c.text(f);
    if (c.text(f).find("PATH_TO_BE_CONFIGURED") != std::string::npos)
      c.warn(f, path + ".label_map_path still says PATH_TO_BE_CONFIGURED");
  } else {
    out["label_map"] = "label_map.pbtxt";
    c.warn(nullptr, path + " has no label_map_path; wrote label_map.pbtxt");
  }
  YAML::Node paths(YAML::NodeType::Sequence);
  out["format"] = "tfrecord";
  if (const auto* r = c.sub(in, "tf_record_input_reader")) {
    for (const auto* p : r->all("input_path")) {
      p->used = true;
      paths.push_back(c.text(p));
      if (c.text(p).find("PATH_TO_BE_CONFIGURED") != std::string::npos)
        c.warn(p, path + ".tf_record_input_reader.input_path still says PATH_TO_BE_CONFIGURED");
    }
  }
  if (paths.size() == 0) {
    c.warn(nullptr, path + " has no tf_record_input_reader.input_path; wrote data.record");
    paths.push_back("data.record");
  }
  out["paths"] = paths;
  c.copy_bool(in, "shuffle", out, "shuffle");
}

void convert_eval(Converter& c, const TextProtoMessage* e, YAML::Node out) {
  if (!e) return;
  if (const auto* n = c.get(e, "num_examples"))
    out["max_images"] = static_cast<long long>(c.number(n));
  c.copy_bool(e, "use_moving_averages", out, "use_moving_average");
  YAML::Node metrics(YAML::NodeType::Sequence);
  for (const auto* m : e->all("metrics_set")) {
    m->used = true;
    if (m->value == "coco_detection_metrics")
      metrics.push_back("coco_ap");
    else if (m->value == "pascal_voc_detection_metrics")
      metrics.push_back("voc_ap");
    else
      c.warn(m, "eval_config.metrics_set " + m->value + " is not supported; dropped");
  }
  if (metrics.size() == 0) metrics.push_back("coco_ap");  // TF's default metrics_set
  metrics.SetStyle(YAML::EmitterStyle::Flow);
  out["metrics"] = metrics;
}

}  // namespace

TfImportResult import_tf_pipeline_config_text(const std::string& text, const std::string& file) {
  const TextProtoMessage root = io::parse_text_proto(text, file);
  Converter c(file);
  YAML::Node y(YAML::NodeType::Map);
  convert_model(c, c.sub(&root, "model"), y["model"]);
  const auto* train = c.sub(&root, "train_config");
  convert_train(c, train, y["train"]);
  y["train"]["output_dir"] = "runs/imported";
  const auto* tin = c.sub(&root, "train_input_reader");
  if (!tin) throw UserError(file + ": no train_input_reader");
  convert_input(c, tin, y["train_input"], "train_input_reader");
  if (const auto* ein = c.sub(&root, "eval_input_reader"))
    convert_input(c, ein, y["eval_input"], "eval_input_reader");
  convert_eval(c, c.sub(&root, "eval_config"), y["eval"]);
  c.report_unused(root, "");

  YAML::Emitter em;
  em << y;
  TfImportResult r;
  r.yaml = "# Imported by `tailor config import` from " + file +
           "\n# Relative paths resolve against this file's directory.\n" + em.c_str() + "\n";
  r.warnings = std::move(c.warnings);
  return r;
}

TfImportResult import_tf_pipeline_config(const std::string& path) {
  return import_tf_pipeline_config_text(io::read_file(path, size_t(64) << 20), path);
}

}  // namespace tailor::pipeline
