#pragma once
// The model config and label map as JSON strings, the form a Tailor checkpoint stores in its
// metadata (io::kMetaModelConfig, io::kMetaLabelMap), so `tailor detect --model CKPT` rebuilds
// the exact model without the YAML it was trained from.
#include <string>

#include "data/label_map.h"
#include "models/model_config.h"

namespace tailor::pipeline {

// Every field of SsdConfig, nested like the YAML's model.ssd section.
std::string ssd_config_to_json(const models::SsdConfig& config);
// Throws UserError naming `context` (e.g. the checkpoint path) and the field on bad JSON.
// Fields absent from the JSON keep SsdConfig's defaults (older checkpoints stay readable).
models::SsdConfig ssd_config_from_json(const std::string& json, const std::string& context);

// {"1": {"name": "Jackets", "display_name": ""}, ...}
std::string label_map_to_json(const data::LabelMap& labels);
data::LabelMap label_map_from_json(const std::string& json, const std::string& context);

}  // namespace tailor::pipeline
