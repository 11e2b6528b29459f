#include "pipeline/train/train_state.h"

#include <cmath>
#include <unordered_map>

#include "pipeline/model_io/model_config_json.h"
#include "runtime/error.h"

namespace tailor::pipeline {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

void add_named(io::Checkpoint& ckpt, const std::string& name, const Tensor& value) {
  Tensor copy = value.to(Device::cpu()).contiguous().clone();  // CUDA tensors: a host copy
  copy.set_name(name);
  ckpt.tensors.push_back(std::move(copy));
}

}  // namespace

io::Checkpoint make_train_checkpoint(const models::SsdModel& model, const optim::RMSProp& optimizer,
                                     const optim::ExponentialMovingAverage* ema, int64_t step,
                                     const data::LabelMap& labels) {
  io::Checkpoint ckpt;
  for (const Parameter& p : model.params().all()) add_named(ckpt, p.name, p.value);
  for (const auto& [name, slot] : optimizer.slots().all()) add_named(ckpt, name, slot);
  if (ema)
    for (const auto& [name, shadow] : ema->slots().all()) add_named(ckpt, name, shadow);
  ckpt.metadata[io::kMetaGlobalStep] = std::to_string(step);
  ckpt.metadata[io::kMetaModelConfig] = ssd_config_to_json(model.config());
  ckpt.metadata[io::kMetaLabelMap] = label_map_to_json(labels);
  return ckpt;
}

int64_t restore_train_checkpoint(const io::Checkpoint& ckpt, const std::string& path,
                                 models::SsdModel& model, optim::RMSProp& optimizer,
                                 optim::ExponentialMovingAverage* ema) {
  std::unordered_map<std::string, const Tensor*> by_name;
  for (const Tensor& t : ckpt.tensors) by_name[t.name()] = &t;
  for (Parameter& p : model.params().all()) {
    auto it = by_name.find(p.name);
    TAILOR_CHECK(it != by_name.end(), UserError, path, ": variable ", p.name,
                 " is missing; is this a checkpoint of the same model?");
    TAILOR_CHECK(it->second->shape() == p.value.shape(), UserError, path, ": variable ", p.name,
                 " has shape ", shape_str(it->second->shape()), " but the model has ",
                 shape_str(p.value.shape()));
    p.value.copy_from(*it->second);
  }
  for (const Tensor& t : ckpt.tensors) {
    const std::string& name = t.name();
    if (ends_with(name, "/RMSProp") || ends_with(name, "/RMSProp_1"))
      optimizer.slots().restore(name, t);
    else if (ema && ends_with(name, "/ExponentialMovingAverage"))
      ema->slots().restore(name, t);
  }
  const std::string& step_text = ckpt.meta(io::kMetaGlobalStep, path);
  int64_t step = 0;
  try {
    size_t used = 0;
    step = std::stoll(step_text, &used);
    if (used != step_text.size() || step < 0) throw std::invalid_argument("trailing");
  } catch (const std::exception&) {
    throw UserError(path + ": metadata " + io::kMetaGlobalStep + " is not a step number: '" +
                    step_text + "'");
  }
  optimizer.set_step(step);
  return step;
}

std::string first_non_finite(const io::Checkpoint& ckpt) {
  for (const Tensor& t : ckpt.tensors) {
    if (t.dtype() != DType::Float32) continue;
    const float* d = t.data<float>();
    for (int64_t i = 0, n = t.numel(); i < n; ++i)
      if (!std::isfinite(d[i])) return t.name();
  }
  return "";
}

}  // namespace tailor::pipeline
