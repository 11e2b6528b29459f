#pragma once
// Dataset format names (the same everywhere: configs, `tailor data` commands) and the
// format-dispatching read/write entry points.
#include <string>
#include <vector>

#include "data/example.h"
#include "data/label_map.h"

namespace tailor::data {

enum class Format { kVoc, kCsv, kTfRecord, kDataturks, kCoco };

const char* format_name(Format f);
// Throws UsageError listing the names for an unknown one.
Format parse_format(const std::string& name);

struct ReadOptions {
  const LabelMap* labels = nullptr;  // fills label ids from names (case-insensitively)
  std::vector<std::string> splits;   // VOC: stems from DIR/SPLIT.txt; empty: every annotation
  std::string image_dir;             // CSV/COCO/Dataturks: where images live (default: beside)
};

struct WriteOptions {
  const LabelMap* labels = nullptr;
  bool copy_images = true;  // VOC/CSV/COCO/Dataturks: copy images into an images/ folder
};

// PATH may carry splits as "DIR:train,val" (any format whose path is a directory).
void split_path_spec(const std::string& spec, std::string* path, std::vector<std::string>* splits);

Dataset read_dataset(Format f, const std::string& path, const ReadOptions& opts = {});
void write_dataset(Format f, const std::string& path, const Dataset& ds,
                   const WriteOptions& opts = {});

// Shared helpers for the readers and writers.
// First of `candidates` that exists as a file, else the first candidate (so a later decode
// error names the path that was expected).
std::string first_existing(const std::vector<std::string>& candidates);
// The image bytes of an example: `encoded` or the file at image_path.
std::string example_image_bytes(const Example& ex);
// "jpg" / "png" from magic bytes, else "".
std::string sniff_image_ext(const std::string& bytes);
// Copies the example's image to DIR/images/STEM.EXT and returns "STEM.EXT".
std::string copy_image_into(const Example& ex, const std::string& dir);
// Number formatting shared by text writers: integers without a fraction, else %.9g.
std::string format_coord(float v);

}  // namespace tailor::data
