#pragma once
// A test's scratch folder, emptied: BUILD/test_scratch/AREA/NAME. Under the build tree, so a
// test run leaves nothing in /tmp and `rm -rf build` removes it all; each name belongs to one
// test, so tests that ctest runs in parallel never share one.
#include <filesystem>
#include <string>

namespace tailor::testing {

inline std::string scratch_dir(const std::string& area, const std::string& name) {
  const std::string dir = std::string(TAILOR_BINARY_DIR) + "/test_scratch/" + area + "/" + name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace tailor::testing
