#include "data/label_map.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "data/format_util.h"
#include "runtime/error.h"
#include "runtime/io/atomic_file.h"

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

namespace {

// A token of the text-proto subset label maps use, with its line for messages.
struct Token {
  std::string text;
  bool quoted = false;
  int line = 0;
};

std::vector<Token> tokenize(const std::string& s, const std::string& context) {
  std::vector<Token> out;
  int line = 1;
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (c == '\n') {
      ++line;
      ++i;
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '#') {
      while (i < s.size() && s[i] != '\n') ++i;
    } else if (c == '{' || c == '}' || c == ':') {
      out.push_back({std::string(1, c), false, line});
      ++i;
    } else if (c == '\'' || c == '"') {
      size_t end = s.find(c, i + 1);
      if (end == std::string::npos || s.find('\n', i + 1) < end)
        throw UserError(detail::concat(context, ": line ", line, ": unterminated string"));
      out.push_back({s.substr(i + 1, end - i - 1), true, line});
      i = end + 1;
    } else {
      size_t j = i;
      while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j])) && s[j] != '{' &&
             s[j] != '}' && s[j] != ':' && s[j] != '#')
        ++j;
      out.push_back({s.substr(i, j - i), false, line});
      i = j;
    }
  }
  return out;
}

}  // namespace

LabelMap LabelMap::parse_pbtxt(const std::string& text, const std::string& context) {
  std::vector<Token> t = tokenize(text, context);
  std::vector<LabelItem> items;
  size_t i = 0;
  auto expect = [&](const char* what) {
    if (i >= t.size() || t[i].quoted || t[i].text != what)
      throw UserError(detail::concat(context, ": line ", i < t.size() ? t[i].line : -1,
                                     ": expected '", what, "'"));
    ++i;
  };
  while (i < t.size()) {
    int item_line = t[i].line;
    expect("item");
    expect("{");
    LabelItem item;
    bool has_id = false, has_name = false;
    while (i < t.size() && !(t[i].text == "}" && !t[i].quoted)) {
      std::string key = t[i].text;
      int line = t[i].line;
      ++i;
      expect(":");
      if (i >= t.size())
        throw UserError(detail::concat(context, ": line ", line, ": missing value"));
      const Token& v = t[i++];
      if (key == "id") {
        try {
          size_t used = 0;
          item.id = std::stoi(v.text, &used);
          if (used != v.text.size()) throw std::invalid_argument("trailing");
        } catch (const std::exception&) {
          throw UserError(detail::concat(context, ": line ", line, ": field id: '", v.text,
                                         "' is not an integer"));
        }
        has_id = true;
      } else if (key == "name") {
        item.name = v.text;
        has_name = true;
      } else if (key == "display_name") {
        item.display_name = v.text;
      }  // other fields (keypoints, frequency) are ignored, as TF's parser tolerates them
    }
    expect("}");
    if (!has_id || !has_name)
      throw UserError(
          detail::concat(context, ": line ", item_line, ": item needs both id and name"));
    if (item.id < 0)
      throw UserError(detail::concat(context, ": line ", item_line, ": field id: negative"));
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
