#pragma once
// Scratch folders under the system temp folder for tests that build small data sets: named by
// prefix, test name and process, emptied when created, and removed when the test process
// exits, so that a test run leaves nothing behind in /tmp.
#include <unistd.h>

#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

namespace tailor::testing {

inline std::string temp_dir(const std::string& prefix, const std::string& name) {
  struct Created {
    std::vector<std::filesystem::path> paths;
    ~Created() {
      for (const std::filesystem::path& p : paths) {
        std::error_code ignored;  // best effort: a test may have removed it already
        std::filesystem::remove_all(p, ignored);
      }
    }
  };
  static Created created;
  const std::filesystem::path p = std::filesystem::temp_directory_path() /
                                  (prefix + "_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(p);
  std::filesystem::create_directories(p);
  created.paths.push_back(p);
  return p.string();
}

}  // namespace tailor::testing
