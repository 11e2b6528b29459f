// A YAML pipeline config. yaml-cpp's own syntax errors are its business (load_yaml_file turns
// them into UserError); everything after YAML::Load is Tailor's validation.
#include <yaml-cpp/yaml.h>

#include "fuzz/fuzz_util.h"
#include "pipeline/config/pipeline_config.h"

using namespace tailor;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  YAML::Node root;
  try {
    root = YAML::Load(fuzz::as_string(data, size));
  } catch (const YAML::Exception&) {
    return 0;
  }
  fuzz::expect_only_user_error(
      [&] { pipeline::parse_pipeline_config(root, std::string(fuzz::kNowhere) + "/config.yaml"); });
  return 0;
}
