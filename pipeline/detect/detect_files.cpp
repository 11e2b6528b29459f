#include "pipeline/detect/detect_files.h"

#include <algorithm>
#include <filesystem>
#include <set>
#include <system_error>

#include "data/label_map.h"
#include "runtime/error.h"

namespace tailor::pipeline {

namespace fs = std::filesystem;

namespace {

bool is_image_name(const fs::path& p) {
  const std::string ext = data::ascii_lower(p.extension().string());
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png";
}

}  // namespace

std::vector<std::string> collect_image_paths(const std::vector<std::string>& inputs) {
  std::vector<std::string> out;
  for (const std::string& in : inputs) {
    std::error_code ec;
    const fs::file_status st = fs::status(in, ec);
    TAILOR_CHECK(!ec && fs::exists(st), UserError, in, ": no such file or folder");
    if (!fs::is_directory(st)) {
      out.push_back(in);  // taken as given: decoding says if it is not an image
      continue;
    }
    std::vector<std::string> found;
    for (const fs::directory_entry& e : fs::directory_iterator(in, ec))
      if (e.is_regular_file() && is_image_name(e.path())) found.push_back(e.path().string());
    TAILOR_CHECK(!ec, UserError, in, ": cannot list the folder: ", ec.message());
    TAILOR_CHECK(!found.empty(), UserError, in, ": folder holds no .jpg, .jpeg or .png images");
    std::sort(found.begin(), found.end());
    out.insert(out.end(), found.begin(), found.end());
  }
  return out;
}

std::vector<std::string> unique_output_stems(const std::vector<std::string>& paths) {
  std::vector<std::string> stems;
  std::set<std::string> used;
  for (const std::string& p : paths) {
    std::string stem = fs::path(p).stem().string();
    if (stem.empty()) stem = "image";
    std::string candidate = stem;
    for (int n = 2; used.count(candidate); ++n) candidate = stem + "_" + std::to_string(n);
    used.insert(candidate);
    stems.push_back(candidate);
  }
  return stems;
}

}  // namespace tailor::pipeline
