#pragma once
// Pascal VOC XML, one file per image, read by tag name (never child position: Dataturks
// writes bndbox children as xmin, xmax, ymin, ymax). Tolerates CRLF, tabs, Windows paths in
// <filename>/<path>, <depth>Unspecified</depth> and extra tags.
#include <string>
#include <vector>

#include "data/example.h"
#include "data/label_map.h"

namespace tailor::data {

// Parses one annotation. `image_dir` is searched for the image (default: ../images beside the
// annotations folder, then the XML's own folder).
Example parse_voc_xml(const std::string& xml, const std::string& context, const LabelMap* labels,
                      const std::string& image_dir);
Example read_voc_xml(const std::string& path, const LabelMap* labels,
                     const std::string& image_dir = "");

// A VOC directory: DIR/annotations/*.xml, DIR/images/, DIR/SPLIT.txt (one stem per line).
Dataset read_voc_dir(const std::string& dir, const std::vector<std::string>& splits,
                     const LabelMap* labels);

std::string voc_xml(const Example& ex, const std::string& filename);
// Writes DIR/annotations/STEM.xml (+ DIR/images/ when copy_images).
void write_voc_dir(const std::string& dir, const Dataset& ds, bool copy_images);

// Stems listed in a split file, blank lines and trailing CR ignored.
std::vector<std::string> read_split_file(const std::string& path);

}  // namespace tailor::data
