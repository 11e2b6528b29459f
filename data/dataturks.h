#pragma once
// Dataturks JSON-lines exports: one JSON object per line with
//   content: the image URL or path (resolved against a local image folder by basename),
//   annotation: null or a list of {label: "X" | ["X", ...], points: [{x, y}, ...],
//               imageWidth, imageHeight}.
// Points are normalized when every coordinate is <= 1, else pixels; a box is their extent.
// A label list yields one box per label.
#include <string>

#include "data/example.h"
#include "data/label_map.h"

namespace tailor::data {

Dataset parse_dataturks(const std::string& text, const std::string& context, const LabelMap* labels,
                        const std::string& image_dir);
Dataset read_dataturks(const std::string& path, const LabelMap* labels,
                       const std::string& image_dir = "");
// Writes normalized points, content = the copied image's file name (images/ beside PATH).
void write_dataturks(const std::string& path, const Dataset& ds, bool copy_images);

}  // namespace tailor::data
