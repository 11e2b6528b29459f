#pragma once
// `tailor data stats` and `tailor data check`: what a data set holds, and what is wrong with it.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "data/example.h"
#include "data/image.h"
#include "data/label_map.h"

namespace tailor::data {

struct ClassStats {
  int64_t images = 0, boxes = 0;
  // Box size sqrt(w*h) in pixels, COCO-like buckets: <32, 32-96, 96-256, >=256.
  int64_t size_hist[4] = {0, 0, 0, 0};
};

struct DatasetStats {
  int64_t images = 0, boxes = 0;
  std::map<std::string, ClassStats> per_class;  // by class name as written (id names if mapped)
};

// Class names are taken from the label map when a box has a known id, else as written. An
// image-level label counts its image for its class.
DatasetStats compute_stats(const Dataset& ds, const LabelMap* labels);
// {"images": N, "boxes": N, "per_class": {"NAME": {"images": N, "boxes": N}}}
std::string stats_json(const DatasetStats& s);
std::string stats_text(const DatasetStats& s);

struct Issue {
  std::string where;  // file (and record/line)
  std::string field;  // e.g. "object 2/bndbox/xmax", "image"
  std::string message;
};

struct CheckOptions {
  const LabelMap* labels = nullptr;  // unknown labels are flagged against it (or missing ids)
  bool decode_images = true;         // false: header only
  DecodeOptions decode;
};

// Boxes outside the image, zero-area or inverted boxes, unknown labels, unreadable images,
// image size differing from the annotation, and duplicate images (same bytes).
std::vector<Issue> check_dataset(const Dataset& ds, const CheckOptions& opts);

}  // namespace tailor::data
