#include "data/voc.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <pugixml.hpp>
#include <system_error>

#include "data/format_util.h"
#include "runtime/error.h"
#include "runtime/io/atomic_file.h"

namespace fs = std::filesystem;

namespace tailor::data {

namespace {

int line_of(const std::string& text, ptrdiff_t offset) {
  if (offset < 0) return 0;
  return 1 + static_cast<int>(std::count(
                 text.begin(), text.begin() + std::min<ptrdiff_t>(offset, text.size()), '\n'));
}

std::string trimmed(const char* s) {
  std::string v(s);
  size_t a = v.find_first_not_of(" \t\r\n");
  if (a == std::string::npos) return "";
  size_t b = v.find_last_not_of(" \t\r\n");
  return v.substr(a, b - a + 1);
}

double number(const pugi::xml_node& parent, const char* tag, const std::string& ctx,
              const std::string& field, const std::string& xml) {
  pugi::xml_node n = parent.child(tag);
  if (!n) throw UserError(ctx + ": missing <" + field + ">");
  std::string v = trimmed(n.child_value());
  char* end = nullptr;
  double d = std::strtod(v.c_str(), &end);
  if (v.empty() || *end != '\0')
    throw UserError(detail::concat(ctx, ": line ", line_of(xml, n.offset_debug()), ": <", field,
                                   "> is '", v, "', not a number"));
  return d;
}

}  // namespace

Example parse_voc_xml(const std::string& xml, const std::string& ctx, const LabelMap* labels,
                      const std::string& image_dir) {
  pugi::xml_document doc;
  pugi::xml_parse_result r = doc.load_buffer(xml.data(), xml.size());
  if (!r)
    throw UserError(detail::concat(ctx, ": line ", line_of(xml, r.offset), ": invalid XML (",
                                   r.description(), ")"));
  pugi::xml_node ann = doc.child("annotation");
  if (!ann) throw UserError(ctx + ": no <annotation> root element");
  Example ex;
  ex.source = ctx;
  ex.filename = trimmed(ann.child("filename").child_value());
  pugi::xml_node size = ann.child("size");
  if (!size) throw UserError(ctx + ": missing <size>");
  double w = number(size, "width", ctx, "size/width", xml);
  double h = number(size, "height", ctx, "size/height", xml);
  if (!(w >= 1 && h >= 1 && w < (1 << 24) && h < (1 << 24)))
    throw UserError(detail::concat(ctx, ": <size> ", w, "x", h, " is not a valid image size"));
  ex.width = static_cast<int>(w);
  ex.height = static_cast<int>(h);
  int k = 0;
  for (pugi::xml_node obj : ann.children("object")) {
    ++k;
    std::string octx = detail::concat(ctx, ": object ", k);
    pugi::xml_node bb = obj.child("bndbox");
    if (!bb)
      throw UserError(
          detail::concat(octx, " (line ", line_of(xml, obj.offset_debug()), "): missing <bndbox>"));
    Box b;
    b.label = trimmed(obj.child("name").child_value());
    if (b.label.empty())
      throw UserError(
          detail::concat(octx, " (line ", line_of(xml, obj.offset_debug()), "): missing <name>"));
    b.xmin = static_cast<float>(number(bb, "xmin", octx, "bndbox/xmin", xml));
    b.ymin = static_cast<float>(number(bb, "ymin", octx, "bndbox/ymin", xml));
    b.xmax = static_cast<float>(number(bb, "xmax", octx, "bndbox/xmax", xml));
    b.ymax = static_cast<float>(number(bb, "ymax", octx, "bndbox/ymax", xml));
    if (labels) b.label_id = labels->id_of(b.label);
    ex.boxes.push_back(std::move(b));
  }
  // Find the image: by the annotation's stem (data sets rename images to it), then by the
  // recorded file name (a Windows path in Dataturks exports).
  fs::path xml_path(ctx);
  std::string stem = xml_path.stem().string();
  std::vector<std::string> dirs;
  if (!image_dir.empty()) dirs.push_back(image_dir);
  dirs.push_back((xml_path.parent_path().parent_path() / "images").string());
  dirs.push_back(xml_path.parent_path().string());
  std::vector<std::string> cands;
  for (const std::string& d : dirs) {
    fs::path dp = d.empty() ? fs::path(".") : fs::path(d);
    for (const char* ext : {".jpg", ".jpeg", ".png", ".JPG", ".JPEG", ".PNG"})
      cands.push_back((dp / (stem + ext)).string());
    if (!ex.filename.empty()) cands.push_back((dp / path_basename(ex.filename)).string());
  }
  ex.image_path = first_existing(cands);
  return ex;
}

Example read_voc_xml(const std::string& path, const LabelMap* labels,
                     const std::string& image_dir) {
  return parse_voc_xml(io::read_file(path, size_t(64) << 20), path, labels, image_dir);
}

std::vector<std::string> read_split_file(const std::string& path) {
  std::string text = io::read_file(path, size_t(256) << 20);
  std::vector<std::string> out;
  for_each_line(text, [&](int, const std::string& line) {
    std::string s = trimmed(line.c_str());
    if (!s.empty()) out.push_back(s);
  });
  return out;
}

Dataset read_voc_dir(const std::string& dir, const std::vector<std::string>& splits,
                     const LabelMap* labels) {
  fs::path ann_dir = fs::path(dir) / "annotations";
  std::vector<std::string> stems;
  if (splits.empty()) {
    std::error_code ec;
    if (!fs::is_directory(ann_dir, ec))
      throw UserError(dir + ": not a VOC directory (no annotations/ folder)");
    for (const auto& e : fs::directory_iterator(ann_dir))
      if (e.is_regular_file() && e.path().extension() == ".xml")
        stems.push_back(e.path().stem().string());
    std::sort(stems.begin(), stems.end());
  } else {
    for (const std::string& s : splits) {
      std::vector<std::string> v = read_split_file((fs::path(dir) / (s + ".txt")).string());
      stems.insert(stems.end(), v.begin(), v.end());
    }
  }
  Dataset ds;
  ds.reserve(stems.size());
  for (const std::string& s : stems) {
    Example ex = read_voc_xml((ann_dir / (s + ".xml")).string(), labels);
    ex.index = static_cast<int64_t>(ds.size());
    ds.push_back(std::move(ex));
  }
  return ds;
}

std::string voc_xml(const Example& ex, const std::string& filename) {
  pugi::xml_document doc;
  pugi::xml_node ann = doc.append_child("annotation");
  ann.append_child("filename").text().set(filename.c_str());
  pugi::xml_node size = ann.append_child("size");
  size.append_child("width").text().set(ex.width);
  size.append_child("height").text().set(ex.height);
  size.append_child("depth").text().set(3);
  for (const Box& b : ex.boxes) {
    pugi::xml_node obj = ann.append_child("object");
    obj.append_child("name").text().set(b.label.c_str());
    pugi::xml_node bb = obj.append_child("bndbox");
    bb.append_child("xmin").text().set(format_coord(b.xmin).c_str());
    bb.append_child("ymin").text().set(format_coord(b.ymin).c_str());
    bb.append_child("xmax").text().set(format_coord(b.xmax).c_str());
    bb.append_child("ymax").text().set(format_coord(b.ymax).c_str());
  }
  std::ostringstream os;
  doc.save(os, "  ", pugi::format_indent | pugi::format_no_declaration);
  return os.str();
}

void write_voc_dir(const std::string& dir, const Dataset& ds, bool copy_images) {
  fs::create_directories(fs::path(dir) / "annotations");
  for (const Example& ex : ds) {
    std::string filename = copy_images ? copy_image_into(ex, dir) : path_basename(ex.image_path);
    io::write_file_atomic((fs::path(dir) / "annotations" / (path_stem(filename) + ".xml")).string(),
                          voc_xml(ex, filename));
  }
}

}  // namespace tailor::data
