#include "pipeline/model_io/zoo.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <system_error>
#include <vector>

#include "runtime/error.h"

namespace fs = std::filesystem;

namespace tailor::pipeline {

std::string zoo_model_path(const std::string& name) {
  std::vector<fs::path> places;
  if (const char* env = std::getenv("TAILOR_MODEL_ZOO")) places.push_back(fs::path(env) / name);
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) places.push_back(exe.parent_path() / ".." / ".." / "models" / "zoo" / name);
#ifdef TAILOR_SOURCE_DIR
  places.push_back(fs::path(TAILOR_SOURCE_DIR) / "models" / "zoo" / name);
#endif
  std::string looked;
  for (const fs::path& p : places) {
    if (fs::is_regular_file(p, ec)) return p.lexically_normal().string();
    looked += (looked.empty() ? "" : ", ") + p.lexically_normal().string();
  }
  throw UserError("the model zoo has no " + name + " (looked in " + looked +
                  "); pass --model, or set TAILOR_MODEL_ZOO to the folder holding it");
}

}  // namespace tailor::pipeline
