#pragma once
// The model zoo: trained detectors shipped with Tailor (models/zoo/), so that a shop can tag
// photos right after setup. `tailor detect` and `tailor tag` use the clothing tagger when no
// --model is given.
#include <string>

namespace tailor::pipeline {

// The shipped clothing tagger's file name in the zoo.
constexpr const char* kClothingTagger = "ssd_mobilenet_v1_clothing.safetensors";

// Where the zoo's file `name` is: $TAILOR_MODEL_ZOO/name when that variable is set, else
// models/zoo/name in the source tree the binary was built from (or next to the binary's
// ../../models/zoo). Throws UserError naming the places it looked when none holds it.
std::string zoo_model_path(const std::string& name = kClothingTagger);

}  // namespace tailor::pipeline
