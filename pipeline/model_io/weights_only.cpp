#include "pipeline/model_io/weights_only.h"

#include "pipeline/model_io/model_config_json.h"

namespace tailor::pipeline {

io::Checkpoint weights_only_checkpoint(const LoadedDetector& detector, const std::string& source) {
  io::Checkpoint out;
  for (const Parameter& p : detector.model->params().all()) {
    Tensor copy = p.value.to(Device::cpu()).contiguous().clone();
    copy.set_name(p.name);
    out.tensors.push_back(std::move(copy));
  }
  out.metadata[io::kMetaModelConfig] = ssd_config_to_json(detector.model->config());
  if (!detector.labels.empty())
    out.metadata[io::kMetaLabelMap] = label_map_to_json(detector.labels);
  if (detector.global_step >= 0)
    out.metadata[io::kMetaGlobalStep] = std::to_string(detector.global_step);
  out.metadata["tailor.source"] = source;
  out.metadata["tailor.weights"] = "moving average applied where the checkpoint had one";
  return out;
}

}  // namespace tailor::pipeline
