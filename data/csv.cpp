#include "data/csv.h"

#include <cstdlib>
#include <filesystem>
#include <map>

#include "data/format_util.h"
#include "runtime/error.h"
#include "runtime/io/atomic_file.h"

namespace fs = std::filesystem;

namespace tailor::data {

Dataset parse_csv(const std::string& text, const std::string& path, const LabelMap* labels,
                  const std::string& image_dir) {
  static const char* kCols[8] = {"filename", "width", "height", "class",
                                 "xmin",     "ymin",  "xmax",   "ymax"};
  Dataset ds;
  std::map<std::string, size_t> by_name;
  std::string dir = image_dir;
  fs::path base = fs::path(path).parent_path();
  int col[8];
  bool header_seen = false;
  for_each_line(text, [&](int line_no, const std::string& line) {
    if (line.empty()) return;
    std::string ctx = detail::concat(path, ": line ", line_no);
    std::vector<std::string> f = split_csv_line(line, ctx);
    if (!header_seen) {
      // pandas writes an index column when asked; locate the columns by name.
      for (int c = 0; c < 8; ++c) {
        col[c] = -1;
        for (size_t j = 0; j < f.size(); ++j)
          if (f[j] == kCols[c]) col[c] = static_cast<int>(j);
        if (col[c] < 0) throw UserError(ctx + ": header lacks column '" + kCols[c] + "'");
      }
      header_seen = true;
      return;
    }
    double v[8];
    for (int c = 1; c < 8; ++c) {
      if (c == 3) continue;
      if (static_cast<size_t>(col[c]) >= f.size())
        throw UserError(detail::concat(ctx, ": missing column '", kCols[c], "'"));
      const std::string& s = f[col[c]];
      char* e = nullptr;
      v[c] = std::strtod(s.c_str(), &e);
      if (s.empty() || *e != '\0')
        throw UserError(
            detail::concat(ctx, ": column '", kCols[c], "' is '", s, "', not a number"));
    }
    if (static_cast<size_t>(col[0]) >= f.size() || static_cast<size_t>(col[3]) >= f.size())
      throw UserError(ctx + ": too few columns");
    const std::string& name = f[col[0]];
    if (!(v[1] >= 1 && v[2] >= 1 && v[1] < (1 << 24) && v[2] < (1 << 24)))
      throw UserError(detail::concat(ctx, ": width x height ", v[1], "x", v[2], " is invalid"));
    auto it = by_name.find(name);
    if (it == by_name.end()) {
      Example ex;
      ex.filename = name;
      ex.width = static_cast<int>(v[1]);
      ex.height = static_cast<int>(v[2]);
      ex.source = ctx;
      ex.index = static_cast<int64_t>(ds.size());
      std::string b = path_basename(name);
      std::vector<std::string> cands;
      if (!dir.empty()) cands.push_back((fs::path(dir) / b).string());
      cands.push_back((base / "images" / b).string());
      cands.push_back((base / b).string());
      ex.image_path = first_existing(cands);
      it = by_name.emplace(name, ds.size()).first;
      ds.push_back(std::move(ex));
    } else if (ds[it->second].width != static_cast<int>(v[1]) ||
               ds[it->second].height != static_cast<int>(v[2])) {
      throw UserError(ctx + ": size differs from an earlier row of '" + name + "'");
    }
    Box box;
    box.label = f[col[3]];
    box.xmin = static_cast<float>(v[4]);
    box.ymin = static_cast<float>(v[5]);
    box.xmax = static_cast<float>(v[6]);
    box.ymax = static_cast<float>(v[7]);
    if (labels) box.label_id = labels->id_of(box.label);
    ds[it->second].boxes.push_back(std::move(box));
  });
  if (!header_seen) throw UserError(path + ": empty CSV (no header)");
  return ds;
}

Dataset read_csv(const std::string& path, const LabelMap* labels, const std::string& image_dir) {
  return parse_csv(io::read_file(path, size_t(1) << 30), path, labels, image_dir);
}

void write_csv(const std::string& path, const Dataset& ds, bool copy_images) {
  fs::path dir = fs::path(path).parent_path();
  if (!dir.empty()) fs::create_directories(dir);
  std::string out = "filename,width,height,class,xmin,ymin,xmax,ymax\n";
  for (const Example& ex : ds) {
    std::string name =
        copy_images ? copy_image_into(ex, dir.string()) : path_basename(ex.image_path);
    for (const Box& b : ex.boxes)
      out += csv_quote(name) + "," + std::to_string(ex.width) + "," + std::to_string(ex.height) +
             "," + csv_quote(b.label) + "," + format_coord(b.xmin) + "," + format_coord(b.ymin) +
             "," + format_coord(b.xmax) + "," + format_coord(b.ymax) + "\n";
  }
  io::write_file_atomic(path, out);
}

}  // namespace tailor::data
