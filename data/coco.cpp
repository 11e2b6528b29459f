#include "data/coco.h"

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "data/format_util.h"
#include "runtime/error.h"
#include "runtime/io/atomic_file.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace tailor::data {

namespace {

const json& field(const json& j, const char* key, const std::string& ctx) {
  auto it = j.find(key);
  if (it == j.end()) throw UserError(ctx + ": missing field '" + key + "'");
  return *it;
}
int64_t int_field(const json& j, const char* key, const std::string& ctx) {
  const json& v = field(j, key, ctx);
  if (!v.is_number_integer()) throw UserError(ctx + ": field '" + key + "' is not an integer");
  return v.get<int64_t>();
}

}  // namespace

Dataset parse_coco(const std::string& text, const std::string& path, const LabelMap* labels,
                   const std::string& image_dir) {
  json root = json::parse(text, nullptr, false);
  if (root.is_discarded()) {
    // Re-parse with exceptions for the position of the error.
    try {
      (void)json::parse(text);
    } catch (const json::exception& e) {  // parse_error, or out_of_range for a huge number
      throw UserError(path + ": invalid JSON: " + e.what());
    }
    throw UserError(path + ": invalid JSON");
  }
  if (!root.is_object()) throw UserError(path + ": not a JSON object");
  std::map<int64_t, std::string> cats;
  if (root.contains("categories")) {
    const json& c = root["categories"];
    if (!c.is_array()) throw UserError(path + ": field 'categories' is not a list");
    for (size_t i = 0; i < c.size(); ++i) {
      std::string ctx = detail::concat(path, ": categories[", i, "]");
      const json& name = field(c[i], "name", ctx);
      if (!name.is_string()) throw UserError(ctx + ": field 'name' is not a string");
      cats[int_field(c[i], "id", ctx)] = name.get<std::string>();
    }
  }
  const json& images = field(root, "images", path);
  if (!images.is_array()) throw UserError(path + ": field 'images' is not a list");
  Dataset ds;
  std::map<int64_t, size_t> by_id;
  fs::path base = fs::path(path).parent_path();
  for (size_t i = 0; i < images.size(); ++i) {
    std::string ctx = detail::concat(path, ": images[", i, "]");
    Example ex;
    ex.source = ctx;
    ex.index = static_cast<int64_t>(i);
    const json& fn = field(images[i], "file_name", ctx);
    if (!fn.is_string()) throw UserError(ctx + ": field 'file_name' is not a string");
    ex.filename = fn.get<std::string>();
    const int64_t w = int_field(images[i], "width", ctx), h = int_field(images[i], "height", ctx);
    // Range-checked before narrowing, so 2^32 + 10 is not read as 10.
    if (w <= 0 || h <= 0 || w >= (1 << 24) || h >= (1 << 24))
      throw UserError(detail::concat(ctx, ": width x height ", w, "x", h, " is invalid"));
    ex.width = static_cast<int>(w);
    ex.height = static_cast<int>(h);
    int64_t id = int_field(images[i], "id", ctx);
    if (!by_id.emplace(id, ds.size()).second)
      throw UserError(detail::concat(ctx, ": duplicate image id ", id));
    std::vector<std::string> cands;
    if (!image_dir.empty()) cands.push_back((fs::path(image_dir) / ex.filename).string());
    cands.push_back((base / "images" / ex.filename).string());
    cands.push_back((base / ex.filename).string());
    ex.image_path = first_existing(cands);
    ds.push_back(std::move(ex));
  }
  if (root.contains("annotations")) {
    const json& anns = root["annotations"];
    if (!anns.is_array()) throw UserError(path + ": field 'annotations' is not a list");
    for (size_t i = 0; i < anns.size(); ++i) {
      std::string ctx = detail::concat(path, ": annotations[", i, "]");
      int64_t image_id = int_field(anns[i], "image_id", ctx);
      auto it = by_id.find(image_id);
      if (it == by_id.end())
        throw UserError(detail::concat(ctx, ": image_id ", image_id, " names no image"));
      const json& bbox = field(anns[i], "bbox", ctx);
      if (!bbox.is_array() || bbox.size() != 4)
        throw UserError(ctx + ": field 'bbox' is not [x, y, w, h]");
      for (const json& v : bbox)
        if (!v.is_number()) throw UserError(ctx + ": field 'bbox' holds a non-number");
      int64_t cat = int_field(anns[i], "category_id", ctx);
      Box b;
      auto c = cats.find(cat);
      b.label = c != cats.end() ? c->second : std::string();
      b.label_id = labels ? (b.label.empty() ? (labels->find_id(int(cat)) ? int(cat) : 0)
                                             : labels->id_of(b.label))
                          : static_cast<int>(cat);
      if (b.label.empty() && labels) b.label = labels->name_of(b.label_id);
      b.xmin = bbox[0].get<float>();
      b.ymin = bbox[1].get<float>();
      b.xmax = static_cast<float>(bbox[0].get<double>() + bbox[2].get<double>());
      b.ymax = static_cast<float>(bbox[1].get<double>() + bbox[3].get<double>());
      ds[it->second].boxes.push_back(std::move(b));
    }
  }
  return ds;
}

Dataset read_coco(const std::string& path, const LabelMap* labels, const std::string& image_dir) {
  return parse_coco(io::read_file(path, size_t(2) << 30), path, labels, image_dir);
}

void write_coco(const std::string& path, const Dataset& ds, const LabelMap* labels,
                bool copy_images) {
  fs::path dir = fs::path(path).parent_path();
  if (!dir.empty()) fs::create_directories(dir);
  std::map<int, std::string> cats;
  if (labels)
    for (const LabelItem& it : labels->items()) cats[it.id] = it.name;
  json images = json::array(), anns = json::array();
  int64_t ann_id = 0;
  for (size_t i = 0; i < ds.size(); ++i) {
    const Example& ex = ds[i];
    std::string name =
        copy_images ? copy_image_into(ex, dir.string()) : path_basename(ex.image_path);
    images.push_back(
        {{"id", i + 1}, {"file_name", name}, {"width", ex.width}, {"height", ex.height}});
    for (const Box& b : ex.boxes) {
      int id = b.label_id;
      if (id == 0 && labels) id = labels->id_of(b.label);
      if (id == 0)
        throw UserError(ex.where() + ": class '" + b.label + "' has no id (give a label map)");
      if (!labels) cats.emplace(id, b.label);
      float w = b.xmax - b.xmin, h = b.ymax - b.ymin;
      anns.push_back({{"id", ++ann_id},
                      {"image_id", i + 1},
                      {"category_id", id},
                      {"bbox", {b.xmin, b.ymin, w, h}},
                      {"area", w * h},
                      {"iscrowd", 0}});
    }
  }
  json categories = json::array();
  for (const auto& c : cats) categories.push_back({{"id", c.first}, {"name", c.second}});
  json root = {{"images", images}, {"annotations", anns}, {"categories", categories}};
  io::write_file_atomic(path, root.dump(1) + "\n");
}

}  // namespace tailor::data
