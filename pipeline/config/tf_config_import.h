#pragma once
// `tailor config import`: converts a TF Object Detection API pipeline.config (protobuf text)
// for an SSD-MobileNet-v1 into a Tailor YAML config that load_pipeline_config() accepts.
// Settings Tailor does not have, or values its fixed architecture does not support, are
// reported as warnings (with the TF field path and line), never silently dropped. Values TF
// leaves out take TF's proto defaults.
#include <string>
#include <vector>

namespace tailor::pipeline {

struct TfImportResult {
  std::string yaml;
  std::vector<std::string> warnings;
};

TfImportResult import_tf_pipeline_config(const std::string& pipeline_config_path);
TfImportResult import_tf_pipeline_config_text(const std::string& text, const std::string& file);

}  // namespace tailor::pipeline
