#pragma once
// Helpers shared by the io tests: scratch directories under the build tree and byte-level file
// edits for corruption tests.
#include <filesystem>
#include <fstream>
#include <string>

#include "runtime/io/atomic_file.h"

namespace tailor::io::testing {

inline std::string shared_path(const std::string& rel) {
  return std::string(TAILOR_SHARED_DIR) + "/" + rel;
}

inline std::string scratch_dir(const std::string& name) {
  const std::string dir = std::string(TAILOR_BINARY_DIR) + "/test_scratch/io/" + name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// Copies every file of `from` into `to`, making them writable.
inline void copy_dir(const std::string& from, const std::string& to) {
  for (const auto& e : std::filesystem::directory_iterator(from))
    write_bytes(to + "/" + e.path().filename().string(), read_file(e.path().string()));
}

}  // namespace tailor::io::testing
