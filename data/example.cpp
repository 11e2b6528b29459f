#include "data/example.h"

namespace tailor::data {

std::string path_basename(const std::string& path) {
  size_t slash = path.find_last_of("/\\");
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string path_stem(const std::string& path) {
  std::string base = path_basename(path);
  size_t dot = base.find_last_of('.');
  return dot == std::string::npos || dot == 0 ? base : base.substr(0, dot);
}

std::string Example::stem() const {
  // The resolved image file names the example best: Dataturks annotations record a long
  // Windows file name while the data set stores the image under a short stem.
  if (!image_path.empty()) return path_stem(image_path);
  if (!filename.empty()) return path_stem(filename);
  return path_stem(source_id);
}

}  // namespace tailor::data
