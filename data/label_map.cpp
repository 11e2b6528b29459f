#include "data/label_map.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "data/format_util.h"
#include "runtime/error.h"
#include "runtime/io/atomic_file.h"
#include "runtime/io/text_proto.h"

namespace tailor::data {

std::string ascii_lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

LabelMap::LabelMap(std::vector<LabelItem> items) : items_(std::move(items)) {
  std::sort(items_.begin(), items_.end(),
            [](const LabelItem& a, const LabelItem& b) { return a.id < b.id; });
  std::set<std::string> names;
  for (size_t i = 0; i < items_.size(); ++i) {
    if (i > 0 && items_[i].id == items_[i - 1].id)
      throw UserError(detail::concat("label map: id ", items_[i].id, " appears twice"));
    if (!names.insert(items_[i].name).second)
      throw UserError(detail::concat("label map: name '", items_[i].name, "' appears twice"));
  }
}

int LabelMap::max_id() const {
  return items_.empty() ? 0 : items_.back().id;
}

int LabelMap::id_of(const std::string& name) const {
  for (const LabelItem& it : items_)
    if (it.name == name) return it.id;
  std::string lower = ascii_lower(name);
  for (const LabelItem& it : items_)
    if (ascii_lower(it.name) == lower) return it.id;
  for (const LabelItem& it : items_)
    if (!it.display_name.empty() && ascii_lower(it.display_name) == lower) return it.id;
  return 0;
}

const LabelItem* LabelMap::find_id(int id) const {
  for (const LabelItem& it : items_)
    if (it.id == id) return &it;
  return nullptr;
}

std::string LabelMap::name_of(int id) const {
  const LabelItem* it = find_id(id);
  return it ? it->name : std::string();
}

std::string LabelMap::to_pbtxt() const {
  std::string out;
  for (const LabelItem& it : items_) {
    out += "item {\n  id: " + std::to_string(it.id) + "\n  name: '" + it.name + "'\n";
    if (!it.display_name.empty()) out += "  display_name: '" + it.display_name + "'\n";
    out += "}\n\n";
  }
  return out;
}

LabelMap LabelMap::parse_pbtxt(const std::string& text, const std::string& context) {
  // The one text-proto parser (runtime/io/text_proto.h); its errors say FILE:LINE.
  const io::TextProtoMessage root = io::parse_text_proto(text, context);
  std::vector<LabelItem> items;
  for (const io::TextProtoField& f : root.fields) {
    if (f.name != "item" || !f.is_message)
      throw UserError(detail::concat(context, ": line ", f.line, ": expected 'item'"));
    LabelItem item;
    bool has_id = false, has_name = false;
    for (const io::TextProtoField& v : f.message->fields) {
      if (v.is_message) continue;  // keypoints and the like: TF's parser tolerates them
      if (v.name == "id") {
        try {
          size_t used = 0;
          item.id = std::stoi(v.value, &used);
          if (used != v.value.size()) throw std::invalid_argument("trailing");
        } catch (const std::exception&) {
          throw UserError(detail::concat(context, ": line ", v.line, ": field id: '", v.value,
                                         "' is not an integer"));
        }
        has_id = true;
      } else if (v.name == "name") {
        item.name = v.value;
        has_name = true;
      } else if (v.name == "display_name") {
        item.display_name = v.value;
      }  // other fields (frequency) are ignored, as TF's parser tolerates them
    }
    if (!has_id || !has_name)
      throw UserError(detail::concat(context, ": line ", f.line, ": item needs both id and name"));
    if (item.id < 0)
      throw UserError(detail::concat(context, ": line ", f.line, ": field id: negative"));
    items.push_back(item);
  }
  try {
    return LabelMap(std::move(items));
  } catch (const UserError& e) {
    throw UserError(context + ": " + e.what());
  }
}

LabelMap LabelMap::parse_lines(const std::string& text, const std::string& context) {
  std::vector<LabelItem> items;
  for_each_line(text, [&](int line, std::string name) {
    while (!name.empty() && (name.back() == '\r' || name.back() == ' ')) name.pop_back();
    // Line 1 is class 0; '???' marks ids the model never predicts.
    if (!name.empty() && name != "???") items.push_back({line - 1, name, ""});
  });
  try {
    return LabelMap(std::move(items));
  } catch (const UserError& e) {
    throw UserError(context + ": " + e.what());
  }
}

LabelMap LabelMap::load(const std::string& path) {
  std::string text = io::read_file(path, size_t(16) << 20);
  size_t first = text.find_first_not_of(" \t\r\n");
  bool pbtxt = (path.size() >= 6 && path.substr(path.size() - 6) == ".pbtxt") ||
               (first != std::string::npos && text.compare(first, 4, "item") == 0);
  return pbtxt ? parse_pbtxt(text, path) : parse_lines(text, path);
}

int box_class_id(const Example& ex, size_t box, const LabelMap* labels) {
  const Box& b = ex.boxes[box];
  int id = b.label_id;
  if (id == 0 && labels) id = labels->id_of(b.label);
  if (id == 0)
    throw UserError(
        detail::concat(ex.where(), ": object ", box + 1, ": unknown class '", b.label, "'"));
  return id;
}

int image_label_class_id(const Example& ex, const LabelMap* labels) {
  int id = ex.image_label_id;
  if (id == 0 && labels) id = labels->id_of(ex.image_label);
  if (id == 0) throw UserError(ex.where() + ": unknown class '" + ex.image_label + "'");
  return id;
}

}  // namespace tailor::data
