#pragma once
// The data set formats, defined once: the table below is what configs, every `tailor data`
// command and the read/write dispatch consult. Adding a format is one row (and its reader).
#include <string>
#include <vector>

#include "data/example.h"
#include "data/label_map.h"

namespace tailor::data {

enum class Format { kVoc, kCsv, kTfRecord, kDataturks, kCoco, kCatalog, kImageFolder, kLabelsCsv };

// What a format's examples carry: boxes, or one image-level class per image.
enum class Supervision { kBoxes, kImageLevel };

struct ReadOptions {
  const LabelMap* labels = nullptr;  // fills label ids from names (case-insensitively)
  std::vector<std::string> splits;   // stems from DIR/SPLIT.txt (formats with splits)
  std::string image_dir;             // CSV/COCO/Dataturks: where images live (default: beside)
};

struct WriteOptions {
  const LabelMap* labels = nullptr;
  bool copy_images = true;  // copy images into the written data set
};

struct FormatInfo {
  Format format;
  const char* name;    // as configs and the CLI spell it
  const char* layout;  // one line for help texts
  Supervision supervision;
  bool splits;  // PATH:SPLIT selects the stems of PATH/SPLIT.txt
  Dataset (*read)(const std::string& path, const std::vector<std::string>& splits,
                  const ReadOptions& opts);
  void (*write)(const std::string& path, const Dataset& ds, const WriteOptions& opts);
};

const std::vector<FormatInfo>& format_table();
const FormatInfo& format_info(Format f);
const char* format_name(Format f);
// "voc, csv, ..." in table order, for help texts and errors.
std::string format_names();
// false for an unknown name.
bool find_format(const std::string& name, Format* out);
// Throws UsageError listing the names for an unknown one.
Format parse_format(const std::string& name);

// The format a directory's layout shows (labels.csv: catalog; annotations/: voc), for a PATH
// or PATH:SPLIT spec; false (and *out unchanged) when it shows none.
bool guess_format(const std::string& spec, Format* out);

// PATH may carry splits as "DIR:train,val". The suffix after the last ':' counts as splits
// only when it is non-empty and holds only letters, digits, '_', '-' and ','; returns whether
// it did (else *path is the whole spec and *splits is empty).
bool split_path_spec(const std::string& spec, std::string* path, std::vector<std::string>* splits);

Dataset read_dataset(Format f, const std::string& path, const ReadOptions& opts = {});
// Throws UserError naming the example when the format cannot hold it: boxes into an
// image-level format (unless all of an image's boxes share one class), or an image-level
// label into a box format.
void write_dataset(Format f, const std::string& path, const Dataset& ds,
                   const WriteOptions& opts = {});

}  // namespace tailor::data
