#include "pipeline/model_io/checkpoint_files.h"

#include <algorithm>
#include <filesystem>
#include <regex>
#include <system_error>

namespace fs = std::filesystem;

namespace tailor::pipeline {

std::string checkpoint_path(const std::string& dir, int64_t step) {
  return (fs::path(dir) / ("ckpt-" + std::to_string(step) + ".safetensors")).string();
}

std::vector<CheckpointFile> list_checkpoints(const std::string& dir) {
  static const std::regex kName(R"(ckpt-(\d{1,18})\.safetensors)");
  std::vector<CheckpointFile> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
    std::smatch m;
    const std::string name = e.path().filename().string();
    if (e.is_regular_file(ec) && std::regex_match(name, m, kName))
      out.push_back({std::stoll(m[1].str()), e.path().string()});
  }
  std::sort(out.begin(), out.end(),
            [](const CheckpointFile& a, const CheckpointFile& b) { return a.step < b.step; });
  return out;
}

void prune_checkpoints(const std::string& dir, int keep) {
  std::error_code ec;
  static const std::regex kTemp(R"(ckpt-\d+\.safetensors\.tmp\.\d+)");
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (std::regex_match(name, kTemp)) fs::remove(e.path(), ec);
  }
  if (keep <= 0) return;
  std::vector<CheckpointFile> all = list_checkpoints(dir);
  for (size_t i = 0; i + keep < all.size(); ++i) fs::remove(all[i].path, ec);
}

}  // namespace tailor::pipeline
