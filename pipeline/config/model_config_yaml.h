#pragma once
// Reads the `model:` section of a Tailor YAML config into models::SsdConfig. Strict: an unknown
// key, a wrong type or an out-of-range value is a UserError naming the file, the key path
// (e.g. model.ssd.anchors.min_scale) and the line. Keys left out keep SsdConfig's defaults
// (the ssd_mobilenet_v1_coco pipeline.config values).
#include <yaml-cpp/yaml.h>

#include <string>

#include "kernels/cuda/conv_impl.h"
#include "models/model_config.h"

namespace tailor::pipeline {

// Loads `path` and parses its top-level `model:` key; other top-level keys are left to their
// own sections' parsers.
models::SsdConfig load_model_config(const std::string& path);

// Parses a `model:` node (holding `ssd:`); `file` is used in messages. model.ssd.conv_impl
// goes to *conv_impl when given (it is validated either way).
models::SsdConfig parse_model_config(const YAML::Node& model, const std::string& file,
                                     kernels::cuda::ConvImplSelection* conv_impl = nullptr);

}  // namespace tailor::pipeline
