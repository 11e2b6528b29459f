#include "data/dataturks.h"

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "data/format_util.h"
#include "data/image.h"
#include "runtime/error.h"
#include "runtime/io/atomic_file.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace tailor::data {

namespace {

double num(const json& j, const char* key, const std::string& ctx) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number())
    throw UserError(ctx + ": field '" + key + "' missing or not a number");
  return it->get<double>();
}

}  // namespace

Dataset parse_dataturks(const std::string& text, const std::string& path, const LabelMap* labels,
                        const std::string& image_dir) {
  Dataset ds;
  fs::path base = fs::path(path).parent_path();
  for_each_line(text, [&](int line_no, const std::string& line) {
    if (line.find_first_not_of(" \t") == std::string::npos) return;
    std::string ctx = detail::concat(path, ": line ", line_no);
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) throw UserError(ctx + ": not a JSON object");
    Example ex;
    ex.source = ctx;
    ex.index = static_cast<int64_t>(ds.size());
    auto content = j.find("content");
    if (content == j.end() || !content->is_string())
      throw UserError(ctx + ": field 'content' missing or not a string");
    std::string url = content->get<std::string>();
    ex.filename = path_basename(url);
    std::vector<std::string> cands;
    if (!image_dir.empty()) cands.push_back((fs::path(image_dir) / ex.filename).string());
    cands.push_back((base / "images" / ex.filename).string());
    if (url.find("://") == std::string::npos) cands.push_back((base / url).string());
    ex.image_path = first_existing(cands);
    auto ann = j.find("annotation");
    int k = 0;
    if (ann != j.end() && !ann->is_null()) {
      if (!ann->is_array()) throw UserError(ctx + ": field 'annotation' is not a list");
      for (const json& a : *ann) {
        std::string actx = detail::concat(ctx, ": annotation ", k++);
        if (!a.is_object()) throw UserError(actx + ": not an object");
        const double wd = num(a, "imageWidth", actx), hd = num(a, "imageHeight", actx);
        // Checked as doubles: converting an out-of-range value to int is undefined.
        if (!(wd >= 1 && wd <= 1e6 && hd >= 1 && hd <= 1e6))
          throw UserError(
              detail::concat(actx, ": imageWidth x imageHeight ", wd, "x", hd, " invalid"));
        const int w = static_cast<int>(wd), h = static_cast<int>(hd);
        if (ex.width == 0) {
          ex.width = w;
          ex.height = h;
        }
        auto pts = a.find("points");
        if (pts == a.end() || !pts->is_array() || pts->empty())
          throw UserError(actx + ": field 'points' missing or empty");
        double x0 = 1e300, y0 = 1e300, x1 = -1e300, y1 = -1e300;
        bool normalized = true;
        for (const json& p : *pts) {
          double x = num(p, "x", actx + ": points"), y = num(p, "y", actx + ": points");
          if (x > 1.0 || y > 1.0) normalized = false;
          x0 = std::min(x0, x), y0 = std::min(y0, y), x1 = std::max(x1, x), y1 = std::max(y1, y);
        }
        double sx = normalized ? w : 1.0, sy = normalized ? h : 1.0;
        std::vector<std::string> names;
        auto lab = a.find("label");
        if (lab != a.end() && lab->is_string())
          names.push_back(lab->get<std::string>());
        else if (lab != a.end() && lab->is_array())
          for (const json& l : *lab) {
            if (!l.is_string()) throw UserError(actx + ": field 'label' holds a non-string");
            names.push_back(l.get<std::string>());
          }
        else
          throw UserError(actx + ": field 'label' missing");
        for (const std::string& n : names) {
          Box b;
          b.label = n;
          b.label_id = labels ? labels->id_of(n) : 0;
          b.xmin = static_cast<float>(x0 * sx);
          b.ymin = static_cast<float>(y0 * sy);
          b.xmax = static_cast<float>(x1 * sx);
          b.ymax = static_cast<float>(y1 * sy);
          ex.boxes.push_back(std::move(b));
        }
      }
    }
    if (ex.width == 0) {  // no annotation: the size comes from the image header
      try {
        std::string bytes = io::read_file(ex.image_path, size_t(1) << 30);
        probe_image_size(bytes, ex.image_path, &ex.width, &ex.height);
      } catch (const UserError& e) {
        throw UserError(
            ctx + ": no annotation gives the image size and the image is unreadable: " + e.what());
      }
    }
    ds.push_back(std::move(ex));
  });
  return ds;
}

Dataset read_dataturks(const std::string& path, const LabelMap* labels,
                       const std::string& image_dir) {
  return parse_dataturks(io::read_file(path, size_t(1) << 30), path, labels, image_dir);
}

void write_dataturks(const std::string& path, const Dataset& ds, bool copy_images) {
  fs::path dir = fs::path(path).parent_path();
  if (!dir.empty()) fs::create_directories(dir);
  std::string out;
  for (const Example& ex : ds) {
    std::string name =
        copy_images ? copy_image_into(ex, dir.string()) : path_basename(ex.image_path);
    json anns = json::array();
    for (const Box& b : ex.boxes)
      anns.push_back(
          {{"label", json::array({b.label})},
           {"notes", ""},
           {"points", json::array({{{"x", b.xmin / ex.width}, {"y", b.ymin / ex.height}},
                                   {{"x", b.xmax / ex.width}, {"y", b.ymax / ex.height}}})},
           {"imageWidth", ex.width},
           {"imageHeight", ex.height}});
    json line = {{"content", name},
                 {"annotation", ex.boxes.empty() ? json(nullptr) : anns},
                 {"extras", nullptr}};
    out += line.dump() + "\n";
  }
  io::write_file_atomic(path, out);
}

}  // namespace tailor::data
