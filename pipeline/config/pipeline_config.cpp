#include "pipeline/config/pipeline_config.h"

#include <filesystem>
#include <regex>
#include <set>

#include "data/augment.h"
#include "pipeline/config/model_config_yaml.h"
#include "pipeline/config/yaml_section.h"
#include "runtime/error.h"

namespace tailor::pipeline {

namespace fs = std::filesystem;

const char* to_string(Metric m) {
  switch (m) {
    case Metric::kCocoAp:
      return "coco_ap";
    case Metric::kTop1:
      return "top1";
    default:
      return "voc_ap";
  }
}

std::string resolve_path(const std::string& base_dir, const std::string& p) {
  if (p.empty()) return p;
  fs::path path(p);
  if (path.is_absolute()) return path.lexically_normal().string();
  return (fs::path(base_dir) / path).lexically_normal().string();
}

namespace {

std::string default_source_name(const std::string& path, const std::vector<std::string>& splits) {
  std::string name = fs::path(path).filename().string();
  if (name.empty()) name = fs::path(path).parent_path().filename().string();
  for (size_t i = 0; i < splits.size(); ++i) name += (i == 0 ? ":" : ",") + splits[i];
  return name;
}

data::Format read_format(YamlSection& s, const char* key, bool required, data::Format dflt) {
  std::string name;
  if (required)
    s.read_required(key, &name);
  else if (!s.read(key, &name))
    return dflt;
  data::Format f;
  if (!data::find_format(name, &f))
    s.fail(key, "must be " + data::format_names() + ", got '" + name + "'");
  return f;
}

// A list of class-name groups ([[Jeans, Trousers], [Tops, Tshirts]]): each of two or more
// distinct names, no name in two groups. The names are checked against the label map when the
// data is read (pipeline/input).
void read_class_groups(YamlSection& m, const char* key,
                       std::vector<std::vector<std::string>>* out) {
  const YAML::Node v = m.raw(key);
  if (!v.IsDefined()) return;
  const std::string path = m.key_path(key);
  if (!v.IsSequence()) m.fail_at(v, path + " must be a list of class-name lists");
  std::set<std::string> seen;
  for (size_t g = 0; g < v.size(); ++g) {
    const std::string at = path + "[" + std::to_string(g) + "]";
    if (!v[g].IsSequence() || v[g].size() < 2)
      m.fail_at(v[g], at + " must be a list of two or more class names");
    std::vector<std::string> group;
    for (size_t i = 0; i < v[g].size(); ++i) {
      const YAML::Node name = v[g][i];
      if (!name.IsScalar() || name.Scalar().empty())
        m.fail_at(name, at + "[" + std::to_string(i) + "] must be a class name");
      if (!seen.insert(name.Scalar()).second)
        m.fail_at(name, at + " names '" + name.Scalar() +
                            "' a second time (a class belongs to one group)");
      group.push_back(name.Scalar());
    }
    out->push_back(std::move(group));
  }
}

InputConfig parse_input(YamlSection s, const std::string& base_dir) {
  InputConfig c;
  c.format = read_format(s, "format", true, data::Format::kVoc);
  YAML::Node paths = s.raw("paths");
  if (!paths.IsDefined()) s.fail_missing("paths");
  if (paths.IsScalar()) {
    YAML::Node list(YAML::NodeType::Sequence);
    list.push_back(paths);
    paths = list;
  }
  if (!paths.IsSequence() || paths.size() == 0)
    s.fail("paths", "must be a non-empty list of data sources");
  for (size_t i = 0; i < paths.size(); ++i) {
    const std::string key = s.key_path("paths") + "[" + std::to_string(i) + "]";
    const YAML::Node e = paths[i];
    InputSource src;
    src.format = c.format;
    if (e.IsScalar()) {
      const std::string spec = e.Scalar();
      if (spec.empty()) s.fail_at(e, key + " must not be empty");
      std::string dir = spec;
      data::split_path_spec(spec, &dir, &src.splits);
      src.path = dir;
    } else if (e.IsMap()) {
      YamlSection m(e, key, s.file());
      m.read_required("path", &src.path);
      m.require(!src.path.empty(), "path", "must not be empty");
      m.read_list("splits", &src.splits);
      src.format = read_format(m, "format", false, c.format);
      m.read("name", &src.name);
      m.read("weight", &src.weight);
      m.require(src.weight > 0 && src.weight <= 100, "weight",
                "must be in (0, 100]: the source's sampling ratio");
      m.read_list("include_stems", &src.include_stems);
      m.read_list("exclude_classes", &src.exclude_classes);
      read_class_groups(m, "ambiguous_classes", &src.ambiguous_classes);
      m.read("labels_exhaustive", &src.labels_exhaustive);
      m.finish();
    } else {
      s.fail_at(e, key +
                       " must be a path string or a mapping {path, splits, format, name, weight, "
                       "include_stems, exclude_classes, ambiguous_classes, labels_exhaustive}");
    }
    for (const auto& sp : src.splits)
      if (sp.empty() || sp.find('/') != std::string::npos)
        s.fail_at(e, key + " has an invalid split name '" + sp + "'");
    if (src.name.empty()) src.name = default_source_name(src.path, src.splits);
    src.path = resolve_path(base_dir, src.path);
    c.sources.push_back(std::move(src));
  }
  s.read_required("label_map", &c.label_map);
  s.require(!c.label_map.empty(), "label_map", "must not be empty");
  c.label_map = resolve_path(base_dir, c.label_map);
  s.read("shuffle", &c.shuffle);
  s.read("repeat_factor_threshold", &c.repeat_factor_threshold);
  s.require(c.repeat_factor_threshold >= 0 && c.repeat_factor_threshold <= 1,
            "repeat_factor_threshold", "must be between 0 (off) and 1");
  s.read("on_bad_example", &c.on_bad_example);
  s.require(c.on_bad_example == "fail" || c.on_bad_example == "skip", "on_bad_example",
            "must be fail or skip");
  s.finish();
  return c;
}

std::vector<AugmentationConfig> parse_augmentation(YamlSection& train) {
  std::vector<AugmentationConfig> out;
  const YAML::Node list = train.raw("augmentation");
  if (!list.IsDefined() || list.IsNull()) return out;
  if (!list.IsSequence()) train.fail("augmentation", "must be a list of augmentations");
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string key = train.key_path("augmentation") + "[" + std::to_string(i) + "]";
    const YAML::Node e = list[i];
    std::string name;
    YAML::Node params;
    if (e.IsScalar()) {
      name = e.Scalar();
    } else if (e.IsMap() && e.size() == 1) {
      name = e.begin()->first.as<std::string>();
      params = e.begin()->second;
    } else {
      train.fail_at(e, key + " must be a name or a one-key mapping name: {parameters}");
    }
    const data::AugmentationInfo* spec = data::find_augmentation(name);
    if (!spec) {
      std::string known;
      for (const auto& k : data::augmentation_table())
        known += std::string(known.empty() ? "" : ", ") + k.name;
      train.fail_at(e, key + " is an unknown augmentation '" + name + "' (known: " + known + ")");
    }
    AugmentationConfig a{name, spec->defaults};
    YamlSection p(params, key + "." + name, train.file(), e);
    for (auto& [k, v] : a.params) p.read(k.c_str(), &v);
    p.finish();
    out.push_back(std::move(a));
  }
  return out;
}

TrainConfig parse_train(YamlSection s, const std::string& base_dir, const std::string& stem) {
  TrainConfig c;
  s.read_required("batch_size", &c.batch_size);
  s.require(c.batch_size >= 1 && c.batch_size <= kMaxBatchSize, "batch_size",
            "must be in [1, " + std::to_string(kMaxBatchSize) + "]");

  YamlSection opt = s.required_child("optimizer");
  YamlSection rms = opt.required_child("rms_prop");
  YamlSection lr = rms.required_child("learning_rate");
  if (lr.has("exponential_decay") == lr.has("cosine_decay"))
    lr.fail("exponential_decay", "give exactly one of exponential_decay and cosine_decay");
  if (lr.has("exponential_decay")) {
    YamlSection ed = lr.required_child("exponential_decay");
    auto& e = c.rms_prop.learning_rate;
    ed.read_required("initial_learning_rate", &e.initial_learning_rate);
    ed.require(e.initial_learning_rate > 0.f && e.initial_learning_rate < 100.f,
               "initial_learning_rate", "must be in (0, 100)");
    ed.read("decay_steps", &e.decay_steps);
    ed.require(e.decay_steps >= 1, "decay_steps", "must be >= 1");
    ed.read("decay_factor", &e.decay_factor);
    ed.require(e.decay_factor > 0.f && e.decay_factor <= 1.f, "decay_factor", "must be in (0, 1]");
    ed.read("staircase", &e.staircase);
    ed.finish();
  } else {
    c.rms_prop.schedule = LearningRateSchedule::kCosineDecay;
    YamlSection cd = lr.required_child("cosine_decay");
    auto& k = c.rms_prop.cosine_decay;
    cd.read_required("learning_rate_base", &k.learning_rate_base);
    cd.require(k.learning_rate_base > 0.f && k.learning_rate_base < 100.f, "learning_rate_base",
               "must be in (0, 100)");
    cd.read("total_steps", &k.total_steps);
    cd.require(k.total_steps >= 0, "total_steps", "must be >= 0 (0: train.num_steps)");
    cd.read("warmup_learning_rate", &k.warmup_learning_rate);
    cd.require(k.warmup_learning_rate >= 0.f && k.warmup_learning_rate <= k.learning_rate_base,
               "warmup_learning_rate", "must be in [0, learning_rate_base]");
    cd.read("warmup_steps", &k.warmup_steps);
    cd.require(k.warmup_steps >= 0, "warmup_steps", "must be >= 0");
    cd.read("hold_base_rate_steps", &k.hold_base_rate_steps);
    cd.require(k.hold_base_rate_steps >= 0, "hold_base_rate_steps", "must be >= 0");
    cd.finish();
    // Mirrored into learning_rate so that reports reading the initial rate stay right.
    c.rms_prop.learning_rate.initial_learning_rate = k.learning_rate_base;
  }
  lr.finish();
  rms.read("momentum", &c.rms_prop.momentum);
  rms.require(c.rms_prop.momentum >= 0.f && c.rms_prop.momentum < 1.f, "momentum",
              "must be in [0, 1)");
  rms.read("decay", &c.rms_prop.decay);
  rms.require(c.rms_prop.decay >= 0.f && c.rms_prop.decay < 1.f, "decay", "must be in [0, 1)");
  rms.read("epsilon", &c.rms_prop.epsilon);
  rms.require(c.rms_prop.epsilon > 0.f, "epsilon", "must be > 0");
  rms.finish();
  opt.finish();

  s.read_required("num_steps", &c.num_steps);
  s.require(c.num_steps >= 1, "num_steps", "must be >= 1");
  if (c.rms_prop.schedule == LearningRateSchedule::kCosineDecay) {
    auto& k = c.rms_prop.cosine_decay;
    if (k.total_steps == 0) k.total_steps = c.num_steps;
    s.require(k.total_steps > k.warmup_steps + k.hold_base_rate_steps, "optimizer",
              "cosine_decay: total_steps must exceed warmup_steps + hold_base_rate_steps");
  }
  s.read("fine_tune_checkpoint", &c.fine_tune_checkpoint);
  c.fine_tune_checkpoint = resolve_path(base_dir, c.fine_tune_checkpoint);
  s.read("fine_tune_checkpoint_type", &c.fine_tune_checkpoint_type);
  s.require(
      c.fine_tune_checkpoint_type == "detection" || c.fine_tune_checkpoint_type == "classification",
      "fine_tune_checkpoint_type", "must be detection or classification");
  c.augmentation = parse_augmentation(s);
  s.read_list("freeze_variables", &c.freeze_variables);
  for (size_t i = 0; i < c.freeze_variables.size(); ++i) {
    const std::string& pattern = c.freeze_variables[i];
    std::string problem = pattern.empty() ? "is empty" : "";
    try {
      std::regex re(pattern);
    } catch (const std::regex_error& e) {
      problem = std::string("is not a regular expression (") + e.what() + ")";
    }
    s.require(problem.empty(), "freeze_variables",
              "entry " + std::to_string(i) + " '" + pattern + "' " + problem);
  }
  s.read("use_moving_average", &c.use_moving_average);
  s.read("moving_average_decay", &c.moving_average_decay);
  s.require(c.moving_average_decay > 0.f && c.moving_average_decay < 1.f, "moving_average_decay",
            "must be in (0, 1)");
  s.read("checkpoint_every", &c.checkpoint_every);
  s.require(c.checkpoint_every >= 1, "checkpoint_every", "must be >= 1");
  s.read("keep_checkpoints", &c.keep_checkpoints);
  s.require(c.keep_checkpoints >= 1, "keep_checkpoints", "must be >= 1");
  s.read("seed", &c.seed);
  std::string device = "cpu";
  s.read("device", &device);
  if (device == "cpu")
    c.device = Device::kCpu;
  else if (device == "cuda")
    c.device = Device::kCuda;
  else
    s.fail("device", "must be cpu or cuda, got '" + device + "'");
  s.read("threads", &c.threads);
  s.require(c.threads >= 0 && c.threads <= kMaxThreads, "threads",
            "must be in [0, 1024] (0: one per hardware thread)");
  c.output_dir = "runs/" + stem;
  s.read("output_dir", &c.output_dir);
  s.require(!c.output_dir.empty(), "output_dir", "must not be empty");
  c.output_dir = resolve_path(base_dir, c.output_dir);
  s.read("log_every", &c.log_every);
  s.require(c.log_every >= 1, "log_every", "must be >= 1");
  s.finish();
  return c;
}

EvalConfig parse_eval(YamlSection s) {
  EvalConfig c;
  std::vector<std::string> names;
  if (s.read_list("metrics", &names)) {
    c.metrics.clear();
    for (const auto& n : names) {
      Metric m;
      if (n == "voc_ap")
        m = Metric::kVocAp;
      else if (n == "coco_ap")
        m = Metric::kCocoAp;
      else if (n == "top1")
        m = Metric::kTop1;
      else
        s.fail("metrics", "has an unknown metric '" + n + "' (known: voc_ap, coco_ap, top1)");
      c.metrics.push_back(m);
    }
    s.require(!c.metrics.empty(), "metrics", "must name at least one metric");
  }
  s.read("every_n_steps", &c.every_n_steps);
  s.require(c.every_n_steps >= 0, "every_n_steps", "must be >= 0 (0: only after training)");
  s.read("max_images", &c.max_images);
  s.require(c.max_images >= 0, "max_images", "must be >= 0 (0: all)");
  s.read("use_moving_average", &c.use_moving_average);
  s.finish();
  return c;
}

}  // namespace

PipelineConfig parse_pipeline_config(const YAML::Node& root, const std::string& path) {
  PipelineConfig c;
  c.path = path;
  const std::string base_dir = fs::path(path).parent_path().string();
  const std::string stem = fs::path(path).stem().string();
  if (!root.IsMap()) throw UserError(path + ": must be a YAML mapping of sections");
  YamlSection top(root, "", path);
  if (!top.has("model")) top.fail_missing("model");
  c.model = parse_model_config(top.raw("model"), path, &c.conv_impl);
  c.train = parse_train(top.required_child("train"), base_dir, stem);
  c.train_input = parse_input(top.required_child("train_input"), base_dir);
  if (top.has("eval_input")) {
    c.has_eval_input = true;
    c.eval_input = parse_input(top.child("eval_input"), base_dir);
    for (const InputSource& src : c.eval_input.sources) {
      const char* train_only = !src.ambiguous_classes.empty() ? "ambiguous_classes"
                               : src.labels_exhaustive        ? "labels_exhaustive"
                                                              : nullptr;
      if (train_only)
        top.fail("eval_input", "source '" + src.name + "' sets " + train_only +
                                   ", which only training uses; evaluation scores every class "
                                   "against the labels as they are");
    }
  }
  c.eval = parse_eval(top.child("eval"));
  top.finish();
  return c;
}

PipelineConfig load_pipeline_config(const std::string& path) {
  return parse_pipeline_config(load_yaml_file(path), path);
}

}  // namespace tailor::pipeline
