#include "pipeline/model_io/load_detector.h"

#include <functional>
#include <unordered_map>

#include "engine/io/checkpoint.h"
#include "engine/io/tf_checkpoint.h"
#include "engine/io/tflite.h"
#include "engine/io/weights_file.h"
#include "models/import/tflite_ssd_import.h"
#include "pipeline/model_io/model_config_json.h"
#include "runtime/error.h"

namespace tailor::pipeline {

namespace {

constexpr const char* kEmaSuffix = "/ExponentialMovingAverage";

// Fills every model variable from `lookup` (nullptr when absent). A detector with any variable
// left at its initializer would silently detect garbage, so a missing or misshapen one is an
// error naming the file and the variable.
void assign_all(models::SsdModel& model, const std::string& path,
                const std::function<const Tensor*(const std::string&)>& lookup) {
  for (Parameter& p : model.params().all()) {
    const Tensor* t = lookup(p.name);
    TAILOR_CHECK(t != nullptr, UserError, path, ": variable ", p.name,
                 " is missing; is this a checkpoint of this model?");
    TAILOR_CHECK(t->shape() == p.value.shape(), UserError, path, ": variable ", p.name,
                 " has shape ", shape_str(t->shape()), " but the model has ",
                 shape_str(p.value.shape()));
    TAILOR_CHECK(t->dtype() == DType::Float32, UserError, path, ": variable ", p.name,
                 " is not float32");
    p.value.copy_from(*t);
  }
}

// Trainable variables take their EMA shadow when asked and present; batch-norm moving
// statistics have no shadow (TF averages trainable variables only) and load as stored.
std::function<const Tensor*(const std::string&)> ema_lookup(
    const std::unordered_map<std::string, const Tensor*>& by_name, bool use_moving_average) {
  return [&by_name, use_moving_average](const std::string& name) -> const Tensor* {
    if (use_moving_average) {
      auto ema = by_name.find(name + kEmaSuffix);
      if (ema != by_name.end()) return ema->second;
    }
    auto it = by_name.find(name);
    return it == by_name.end() ? nullptr : it->second;
  };
}

LoadedDetector from_tflite(const std::string& path) {
  models::TfliteSsdImport imported = models::import_tflite_ssd(io::TfliteModel::open(path));
  LoadedDetector out;
  out.model = std::make_unique<models::SsdModel>(imported.config);
  std::unordered_map<std::string, const Tensor*> by_name;
  for (const Tensor& t : imported.variables) by_name[t.name()] = &t;
  assign_all(*out.model, path, ema_lookup(by_name, false));
  TAILOR_CHECK(imported.anchors.size() == out.model->anchor_boxes().size(), UserError, path,
               ": the PostProcess op has ", imported.anchors.size(), " anchors but the model ",
               out.model->anchor_boxes().size());
  for (const models::BoxCenter& a : imported.anchors) out.anchors.push_back(models::to_corners(a));
  out.fast_nms = !imported.post_process.use_regular_nms;
  out.max_classes_per_detection = imported.post_process.max_classes_per_detection;
  return out;
}

LoadedDetector from_tailor_checkpoint(const std::string& path, const LoadDetectorOptions& opt) {
  io::Checkpoint ckpt = io::load_checkpoint(path);
  models::SsdConfig config;
  auto meta = ckpt.metadata.find(io::kMetaModelConfig);
  if (meta != ckpt.metadata.end()) {
    config = ssd_config_from_json(meta->second, path);
  } else {
    TAILOR_CHECK(opt.fallback_config != nullptr, UserError, path, ": metadata ",
                 io::kMetaModelConfig,
                 " is missing (not a Tailor checkpoint?); pass a config to describe the model");
    config = *opt.fallback_config;
  }
  LoadedDetector out;
  out.model = std::make_unique<models::SsdModel>(config);
  std::unordered_map<std::string, const Tensor*> by_name;
  for (const Tensor& t : ckpt.tensors) by_name[t.name()] = &t;
  assign_all(*out.model, path, ema_lookup(by_name, opt.use_moving_average));

  auto labels = ckpt.metadata.find(io::kMetaLabelMap);
  if (labels != ckpt.metadata.end()) out.labels = label_map_from_json(labels->second, path);
  auto step = ckpt.metadata.find(io::kMetaGlobalStep);
  if (step != ckpt.metadata.end()) {
    try {
      out.global_step = std::stoll(step->second);
    } catch (const std::exception&) {
      throw UserError(path + ": metadata " + io::kMetaGlobalStep + " is not a step number: '" +
                      step->second + "'");
    }
  }
  return out;
}

LoadedDetector from_tf_checkpoint(const std::string& path, const LoadDetectorOptions& opt) {
  TAILOR_CHECK(opt.fallback_config != nullptr, UserError, path,
               ": a TF checkpoint does not describe its model; convert it with the training "
               "config (tailor train) or pass a config");
  io::TfCheckpoint ckpt = io::TfCheckpoint::open(path);
  LoadedDetector out;
  out.model = std::make_unique<models::SsdModel>(*opt.fallback_config);
  // Read only what the model needs (a TF checkpoint also holds optimizer slots).
  std::vector<Tensor> tensors;
  std::unordered_map<std::string, const Tensor*> by_name;
  tensors.reserve(2 * out.model->params().size());
  for (const Parameter& p : out.model->params().all())
    for (const std::string& name : {p.name, p.name + kEmaSuffix})
      if (ckpt.find(name) && (name == p.name || opt.use_moving_average))
        tensors.push_back(ckpt.read(name));
  for (const Tensor& t : tensors) by_name[t.name()] = &t;
  assign_all(*out.model, path, ema_lookup(by_name, opt.use_moving_average));
  return out;
}

}  // namespace

LoadedDetector load_detector(const std::string& path, const LoadDetectorOptions& options) {
  LoadedDetector out;
  switch (io::detect_weights_format(path)) {
    case io::WeightsFormat::Tflite:
      out = from_tflite(path);
      break;
    case io::WeightsFormat::Safetensors:
      out = from_tailor_checkpoint(path, options);
      break;
    case io::WeightsFormat::TfCheckpoint:
      out = from_tf_checkpoint(path, options);
      break;
  }
  if (!options.labels_path.empty()) out.labels = data::LabelMap::load(options.labels_path);
  out.source = path;
  return out;
}

}  // namespace tailor::pipeline
