#pragma once
// The in-memory form every dataset reader produces and every writer consumes: one image with
// its boxes in pixel coordinates, or, from an image-level format (catalog, imagefolder,
// labels_csv), with no boxes and the one class the photo is filed under. Readers keep the
// source file and record index so later errors (a bad JPEG, a box outside the image) can
// name where the example came from.
#include <cstdint>
#include <string>
#include <vector>

namespace tailor::data {

struct Box {
  // Pixels, xmin <= xmax and ymin <= ymax when the annotation is sane (data check flags the
  // rest; readers never silently fix them).
  float xmin = 0, ymin = 0, xmax = 0, ymax = 0;
  std::string label;  // class name as written in the source (may differ in case from the map)
  int label_id = 0;   // 1-based class id; 0 when unknown
};

struct Example {
  std::string image_path;  // a file to decode, or empty when `encoded` holds the bytes
  std::string encoded;     // encoded image bytes (TFRecord image/encoded)
  std::string format;      // "jpeg" / "png" / "jpg" as recorded; may be empty
  std::string filename;    // the file name the annotation records (may be a Windows path)
  std::string source_id;
  int width = 0, height = 0;
  std::vector<Box> boxes;
  // An image-level label: the class is somewhere in the photo, and nothing more is known
  // (other garments may be in view, unlabelled). Empty for box-labelled examples.
  std::string image_label;
  int image_label_id = 0;  // 1-based class id; 0 when unknown or absent
  // Where it came from, for error messages: "ccp/annotations/ccp_0001.xml" or
  // "train.record: record 17".
  std::string source;
  int64_t index = 0;

  // "FILE" or "FILE: record N" / "FILE: line N", whichever the reader set.
  const std::string& where() const { return source; }
  bool has_image_label() const { return !image_label.empty(); }
  // The stem used across formats: the file name without folders and extension.
  std::string stem() const;
};

using Dataset = std::vector<Example>;

// Basename of a POSIX or Windows path ("C:\a\b.jpg" -> "b.jpg").
std::string path_basename(const std::string& path);
// Basename without its extension.
std::string path_stem(const std::string& path);

}  // namespace tailor::data
