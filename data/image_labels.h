#pragma once
// Image-level label formats: one class per photo and no boxes, the way shops file their
// catalogues. Examples come back with `image_label` set and `boxes` empty.
//
//   catalog      DIR/labels.csv (header `stem,class`), DIR/images/STEM.jpg|.jpeg|.png, and
//                split files DIR/SPLIT.txt (one stem per line).
//   imagefolder  torchvision's ImageFolder: DIR/CLASS_NAME/*.jpg|.jpeg|.png. DIR:SPLIT reads
//                the tree DIR/SPLIT/CLASS_NAME/ when that folder exists, else the stems of
//                DIR/SPLIT.txt. Hidden files are skipped; any other non-image file in a class
//                folder is an error (it would otherwise vanish from the data set unnoticed).
//   labels_csv   a CSV whose header names a path column (path, filename, file or image) and a
//                label column (label, class or category). Relative paths resolve against the
//                CSV's folder (or ReadOptions::image_dir). FILE:SPLIT keeps the stems of
//                SPLIT.txt beside the CSV.
//
// Errors name the file and the line (or the folder): an unknown class (when a label map is
// given), a missing image, a stem that appears twice (stems identify images across formats
// and in split files), a split file naming a stem that is not in the data set.
#include <string>
#include <vector>

#include "data/example.h"
#include "data/label_map.h"

namespace tailor::data {

Dataset read_catalog(const std::string& dir, const std::vector<std::string>& splits,
                     const LabelMap* labels);
Dataset read_imagefolder(const std::string& dir, const std::vector<std::string>& splits,
                         const LabelMap* labels);
Dataset read_labels_csv(const std::string& path, const std::vector<std::string>& splits,
                        const LabelMap* labels, const std::string& image_dir = "");

// Writers. catalog and imagefolder always copy the images (the layout is where they live);
// labels_csv copies them into images/ beside the CSV, or records their current paths. With a
// label map, classes are written as the map spells them.
void write_catalog(const std::string& dir, const Dataset& ds, const LabelMap* labels);
void write_imagefolder(const std::string& dir, const Dataset& ds, const LabelMap* labels);
void write_labels_csv(const std::string& path, const Dataset& ds, const LabelMap* labels,
                      bool copy_images);

// The one class an image-level writer records for `ex`: its image label, else the class of
// its boxes when they all share one. Throws UserError naming the example otherwise.
std::string image_level_class(const Example& ex, const LabelMap* labels);

// Keeps the examples whose stems DIR/SPLIT.txt lists, in split-file order. Throws UserError
// naming the split file and line for a stem the data set lacks, or listed twice.
Dataset select_split_stems(const Dataset& ds, const std::string& dir,
                           const std::vector<std::string>& splits);

}  // namespace tailor::data
