#pragma once
// Helpers shared by the pipeline tests: scratch files under the build tree.
#include <filesystem>
#include <fstream>
#include <string>

namespace tailor::pipeline::testing {

inline std::string scratch_dir(const std::string& name) {
  const std::string dir = std::string(TAILOR_BINARY_DIR) + "/test_scratch/pipeline/" + name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
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
