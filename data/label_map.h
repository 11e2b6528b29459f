#pragma once
// Class id <-> name maps. Two file forms:
//   - TF Object Detection API text proto (label_map.pbtxt):
//       item { id: 1 name: 'Jackets' display_name: 'Jackets' }
//   - a plain list, one name per line, line i (1-based) naming class i-1, as the TFLite
//     detection models ship it (labelmap.txt; its first line '???' is the unused id 0).
// Name lookups are exact first, then case-insensitive, because real exports spell classes
// inconsistently (the Dataturks files write `sunglasses` for `Sunglasses`).
#include <optional>
#include <string>
#include <vector>

#include "data/example.h"

namespace tailor::data {

struct LabelItem {
  int id = 0;
  std::string name;
  std::string display_name;  // empty when the file has none
};

class LabelMap {
 public:
  LabelMap() = default;
  explicit LabelMap(std::vector<LabelItem> items);  // throws UserError on duplicate ids/names

  // Loads either form: `.pbtxt` (or anything starting with `item`) as text proto, else lines.
  static LabelMap load(const std::string& path);
  static LabelMap parse_pbtxt(const std::string& text, const std::string& context);
  static LabelMap parse_lines(const std::string& text, const std::string& context);

  bool empty() const { return items_.empty(); }
  const std::vector<LabelItem>& items() const { return items_; }  // sorted by id
  int max_id() const;

  // 0 when unknown. Exact match first, then case-insensitive.
  int id_of(const std::string& name) const;
  const LabelItem* find_id(int id) const;
  std::string name_of(int id) const;  // "" when unknown

  // The pbtxt text Tailor writes (TF's format, names in single quotes).
  std::string to_pbtxt() const;

 private:
  std::vector<LabelItem> items_;
};

// The class id of ex.boxes[box]: its own id, else its name looked up in `labels`. Throws a
// UserError naming the file and the object when neither knows the class.
int box_class_id(const Example& ex, size_t box, const LabelMap* labels);

// The class id of an image-level label: its own id, else its name looked up in `labels`.
// Throws a UserError naming the file when neither knows the class.
int image_label_class_id(const Example& ex, const LabelMap* labels);

// Lower-case ASCII copy.
std::string ascii_lower(std::string s);

}  // namespace tailor::data
