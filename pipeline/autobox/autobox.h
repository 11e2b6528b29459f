#pragma once
// `tailor data autobox`: boxes for an image-labelled set (catalog, imagefolder, labels_csv),
// derived by a trained detector with the same rule that trains on image labels
// (models/image_level.h), written as a VOC set a person can review, fix and train on.
//
// Files in AutoboxOptions::out_dir (each written atomically):
//   annotations/STEM.xml, images/STEM.jpg  VOC, one box per image that got one
//   autobox.csv                            every image: stem, class, score, the box in
//                                          pixels, and `boxed` or why it got none
//   contact_sheet_NNN.jpg                  the images with their boxes, least confident
//                                          first, those without a box framed in red
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "data/example.h"
#include "data/label_map.h"
#include "models/model_config.h"
#include "models/ssd_model.h"

namespace tailor::pipeline {

struct AutoboxOptions {
  models::ImageLevelLossConfig rule;  // method and min_score
  std::string out_dir;
  int batch_size = 8;
  int sheet_columns = 8;
  int sheet_cell = 180;          // pixels per picture
  int sheet_images = 64;         // pictures per contact sheet page
  std::ostream* log = nullptr;   // progress; default std::cerr
  int progress_tty = -1;         // -1: detect
};

struct AutoboxImage {
  std::string stem;
  int label = 0;     // the image-level class
  bool boxed = false;
  float score = 0;   // the rule's score for the chosen box (or the best one it refused)
  float xmin = 0, ymin = 0, xmax = 0, ymax = 0;  // pixels
  int width = 0, height = 0;
};

struct AutoboxResult {
  std::vector<AutoboxImage> images;  // in data set order
  int boxed = 0;
  std::vector<std::string> files;  // written, in order
};

// Throws UserError naming the example when an image is unreadable or carries no image-level
// label (a box-labelled set needs no autobox).
AutoboxResult autobox(models::SsdModel& model, const data::LabelMap& labels,
                      const data::Dataset& images, const AutoboxOptions& options);

}  // namespace tailor::pipeline
