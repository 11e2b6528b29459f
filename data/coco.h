#pragma once
// COCO detection JSON: images [{id, file_name, width, height}], annotations [{id, image_id,
// category_id, bbox: [x, y, w, h], area, iscrowd}], categories [{id, name}]. Class names come
// from the categories; ids are re-mapped through the label map when one is given.
#include <string>

#include "data/example.h"
#include "data/label_map.h"

namespace tailor::data {

Dataset parse_coco(const std::string& text, const std::string& context, const LabelMap* labels,
                   const std::string& image_dir);
Dataset read_coco(const std::string& path, const LabelMap* labels,
                  const std::string& image_dir = "");
// Categories from the label map, else from the ids and names in the data.
void write_coco(const std::string& path, const Dataset& ds, const LabelMap* labels,
                bool copy_images);

}  // namespace tailor::data
