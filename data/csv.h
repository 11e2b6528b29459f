#pragma once
// CSV as the reference xml_to_csv.py writes it: a header
// `filename,width,height,class,xmin,ymin,xmax,ymax` and one row per box. Rows of one image
// are grouped by filename (first appearance order). Images without boxes cannot be expressed.
#include <string>

#include "data/example.h"
#include "data/label_map.h"

namespace tailor::data {

Dataset parse_csv(const std::string& text, const std::string& context, const LabelMap* labels,
                  const std::string& image_dir);
Dataset read_csv(const std::string& path, const LabelMap* labels,
                 const std::string& image_dir = "");
// Writes PATH (+ images/ beside it when copy_images).
void write_csv(const std::string& path, const Dataset& ds, bool copy_images);

}  // namespace tailor::data
