#include "data/format_util.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <system_error>

#include "data/image.h"
#include "runtime/error.h"
#include "runtime/io/atomic_file.h"

namespace fs = std::filesystem;

namespace tailor::data {

std::string first_existing(const std::vector<std::string>& candidates) {
  std::error_code ec;
  for (const std::string& c : candidates)
    if (fs::is_regular_file(c, ec)) return c;
  return candidates.empty() ? std::string() : candidates.front();
}

std::string example_image_bytes(const Example& ex) {
  if (!ex.encoded.empty()) return ex.encoded;
  if (ex.image_path.empty()) throw UserError(ex.where() + ": example has no image");
  return io::read_file(ex.image_path, size_t(1) << 30);
}

std::string sniff_image_ext(const std::string& bytes) {
  switch (sniff_image_type(bytes)) {
    case ImageType::kJpeg:
      return "jpg";
    case ImageType::kPng:
      return "png";
    default:
      return "";
  }
}

std::string copy_image_into(const Example& ex, const std::string& dir) {
  std::string bytes = example_image_bytes(ex);
  std::string ext = sniff_image_ext(bytes);
  if (ext.empty()) throw UserError(ex.where() + ": image is not a JPEG or PNG, cannot copy it");
  std::string name = ex.stem() + "." + ext;
  fs::path images = fs::path(dir.empty() ? "." : dir) / "images";
  fs::create_directories(images);
  io::write_file_atomic((images / name).string(), bytes);
  return name;
}

std::string format_coord(float v) {
  if (std::nearbyint(v) == v && std::fabs(v) < 1e9f)
    return std::to_string(static_cast<long long>(v));
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.9g", v);
  return buf;
}

std::vector<std::string> split_csv_line(const std::string& line, const std::string& ctx) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        out.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        out.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  if (quoted) throw UserError(ctx + ": unterminated quote");
  return out;
}

std::string csv_quote(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

}  // namespace tailor::data
