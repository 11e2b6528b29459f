#pragma once
// The inputs of `tailor detect`: files as given, folders scanned (not recursively) for
// .jpg/.jpeg/.png in sorted order; and the output stem of each image.
#include <string>
#include <vector>

namespace tailor::pipeline {

// Throws UserError naming a path that does not exist, or a folder without images.
std::vector<std::string> collect_image_paths(const std::vector<std::string>& inputs);

// The file stem per image ("photos/dog.jpg" -> "dog"). Repeated stems (a/x.jpg, b/x.png) get
// "_2", "_3", ... in input order, so no output overwrites another.
std::vector<std::string> unique_output_stems(const std::vector<std::string>& paths);

}  // namespace tailor::pipeline
