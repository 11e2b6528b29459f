#pragma once
// Helpers shared by the pipeline tests: scratch files under the build tree.
#include <filesystem>
#include <fstream>
#include <string>

#include "tests/support/scratch_dir.h"

namespace tailor::pipeline::testing {

inline std::string scratch_dir(const std::string& name) {
  return tailor::testing::scratch_dir("pipeline", name);
}

inline std::string write_text(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace tailor::pipeline::testing
