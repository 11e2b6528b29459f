#include "data/dataset_io.h"

#include <filesystem>
#include <system_error>

#include "data/coco.h"
#include "data/csv.h"
#include "data/dataturks.h"
#include "data/format_util.h"
#include "data/image_labels.h"
#include "data/tf_example.h"
#include "data/tfrecord.h"
#include "data/voc.h"
#include "runtime/error.h"
#include "runtime/io/atomic_file.h"

namespace fs = std::filesystem;

namespace tailor::data {

namespace {

using Splits = std::vector<std::string>;

Dataset read_voc(const std::string& path, const Splits& splits, const ReadOptions& o) {
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) {
    TAILOR_CHECK(splits.empty(), UsageError, path, ": splits apply to a VOC directory, not a file");
    return {read_voc_xml(path, o.labels, o.image_dir)};
  }
  return read_voc_dir(path, splits, o.labels);
}

Dataset read_tfrecord(const std::string& path, const Splits&, const ReadOptions& o) {
  Dataset ds;
  TfRecordReader reader(path);
  std::string payload;
  while (reader.next(&payload)) {
    std::string ctx = detail::concat(path, ": record ", ds.size());
    Example ex = example_from_features(parse_tf_example(payload, ctx), ctx, o.labels);
    ex.index = static_cast<int64_t>(ds.size());
    ds.push_back(std::move(ex));
  }
  return ds;
}

void write_tfrecord(const std::string& path, const Dataset& ds, const WriteOptions& o) {
  fs::path dir = fs::path(path).parent_path();
  if (!dir.empty()) fs::create_directories(dir);
  std::string bytes;
  for (const Example& ex : ds)
    bytes += frame_tfrecord(serialize_tf_example(features_from_example(ex, o.labels)));
  io::write_file_atomic(path, bytes);
}

const std::vector<FormatInfo> kFormats = {
    {Format::kVoc, "voc", "DIR/annotations/*.xml + DIR/images/ (or one XML file)",
     Supervision::kBoxes, true, read_voc,
     [](const std::string& p, const Dataset& ds, const WriteOptions& o) {
       write_voc_dir(p, ds, o.copy_images);
     }},
    {Format::kCsv, "csv", "filename,width,height,class,xmin,ymin,xmax,ymax rows",
     Supervision::kBoxes, false,
     [](const std::string& p, const Splits&, const ReadOptions& o) {
       return read_csv(p, o.labels, o.image_dir);
     },
     [](const std::string& p, const Dataset& ds, const WriteOptions& o) {
       write_csv(p, ds, o.copy_images);
     }},
    {Format::kTfRecord, "tfrecord", "tf.train.Example records as the TF OD API writes them",
     Supervision::kBoxes, false, read_tfrecord, write_tfrecord},
    {Format::kDataturks, "dataturks", "Dataturks JSON lines", Supervision::kBoxes, false,
     [](const std::string& p, const Splits&, const ReadOptions& o) {
       return read_dataturks(p, o.labels, o.image_dir);
     },
     [](const std::string& p, const Dataset& ds, const WriteOptions& o) {
       write_dataturks(p, ds, o.copy_images);
     }},
    {Format::kCoco, "coco", "COCO instances JSON", Supervision::kBoxes, false,
     [](const std::string& p, const Splits&, const ReadOptions& o) {
       return read_coco(p, o.labels, o.image_dir);
     },
     [](const std::string& p, const Dataset& ds, const WriteOptions& o) {
       write_coco(p, ds, o.labels, o.copy_images);
     }},
    {Format::kCatalog, "catalog", "DIR/labels.csv (stem,class) + DIR/images/ + DIR/SPLIT.txt",
     Supervision::kImageLevel, true,
     [](const std::string& p, const Splits& s, const ReadOptions& o) {
       return read_catalog(p, s, o.labels);
     },
     [](const std::string& p, const Dataset& ds, const WriteOptions& o) {
       TAILOR_CHECK(o.copy_images, UsageError,
                    "a catalog keeps its images in DIR/images/; it cannot be written without "
                    "copying them");
       write_catalog(p, ds, o.labels);
     }},
    {Format::kImageFolder, "imagefolder", "DIR/CLASS_NAME/*.jpg (torchvision ImageFolder)",
     Supervision::kImageLevel, true,
     [](const std::string& p, const Splits& s, const ReadOptions& o) {
       return read_imagefolder(p, s, o.labels);
     },
     [](const std::string& p, const Dataset& ds, const WriteOptions& o) {
       TAILOR_CHECK(o.copy_images, UsageError,
                    "an imagefolder keeps its images in DIR/CLASS_NAME/; it cannot be written "
                    "without copying them");
       write_imagefolder(p, ds, o.labels);
     }},
    {Format::kLabelsCsv, "labels_csv", "a CSV of path,label", Supervision::kImageLevel, true,
     [](const std::string& p, const Splits& s, const ReadOptions& o) {
       return read_labels_csv(p, s, o.labels, o.image_dir);
     },
     [](const std::string& p, const Dataset& ds, const WriteOptions& o) {
       write_labels_csv(p, ds, o.labels, o.copy_images);
     }},
};

}  // namespace

const std::vector<FormatInfo>& format_table() {
  return kFormats;
}

const FormatInfo& format_info(Format f) {
  for (const FormatInfo& info : kFormats)
    if (info.format == f) return info;
  throw std::logic_error("format_info: a Format without a table row");
}

const char* format_name(Format f) {
  return format_info(f).name;
}

std::string format_names() {
  std::string s;
  for (const FormatInfo& info : kFormats) s += std::string(s.empty() ? "" : ", ") + info.name;
  return s;
}

bool find_format(const std::string& name, Format* out) {
  for (const FormatInfo& info : kFormats)
    if (name == info.name) return *out = info.format, true;
  return false;
}

Format parse_format(const std::string& name) {
  Format f;
  if (!find_format(name, &f))
    throw UsageError("unknown data format '" + name + "' (one of " + format_names() + ")");
  return f;
}

bool split_path_spec(const std::string& spec, std::string* path, std::vector<std::string>* splits) {
  *path = spec;
  splits->clear();
  const size_t colon = spec.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == spec.size()) return false;
  const std::string suffix = spec.substr(colon + 1);
  for (char c : suffix)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == ','))
      return false;  // a path (e.g. C:\...), not splits
  std::vector<std::string> found;
  size_t start = 0;
  while (start <= suffix.size()) {
    size_t end = suffix.find(',', start);
    if (end == std::string::npos) end = suffix.size();
    if (end > start) found.push_back(suffix.substr(start, end - start));
    start = end + 1;
  }
  if (found.empty()) return false;
  *path = spec.substr(0, colon);
  *splits = std::move(found);
  return true;
}

bool guess_format(const std::string& spec, Format* out) {
  std::string path;
  std::vector<std::string> splits;
  split_path_spec(spec, &path, &splits);
  std::error_code ec;
  if (fs::is_regular_file(fs::path(path) / "labels.csv", ec)) return *out = Format::kCatalog, true;
  if (fs::is_directory(fs::path(path) / "annotations", ec)) return *out = Format::kVoc, true;
  return false;
}

Dataset read_dataset(Format f, const std::string& spec, const ReadOptions& opts) {
  std::string path;
  std::vector<std::string> splits;
  split_path_spec(spec, &path, &splits);
  splits.insert(splits.end(), opts.splits.begin(), opts.splits.end());
  const FormatInfo& info = format_info(f);
  if (!splits.empty() && !info.splits)
    throw UsageError(std::string("splits (DIR:SPLIT) apply to voc, catalog, imagefolder and "
                                 "labels_csv, not ") +
                     info.name);
  return info.read(path, splits, opts);
}

void write_dataset(Format f, const std::string& path, const Dataset& ds, const WriteOptions& opts) {
  const FormatInfo& info = format_info(f);
  if (info.supervision == Supervision::kBoxes)
    for (const Example& ex : ds)
      TAILOR_CHECK(!ex.has_image_label(), UserError, ex.where(),
                   ": has an image-level label and no boxes, which ", info.name,
                   " cannot hold; derive boxes first with `tailor data autobox`");
  info.write(path, ds, opts);
}

}  // namespace tailor::data
