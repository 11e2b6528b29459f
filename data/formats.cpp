#include "data/formats.h"

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "data/coco.h"
#include "data/csv.h"
#include "data/dataturks.h"
#include "data/image.h"
#include "data/tf_example.h"
#include "data/tfrecord.h"
#include "data/voc.h"
#include "engine/error.h"
#include "engine/io/atomic_file.h"

namespace fs = std::filesystem;

namespace tailor::data {

const char* format_name(Format f) {
  switch (f) {
    case Format::kVoc:
      return "voc";
    case Format::kCsv:
      return "csv";
    case Format::kTfRecord:
      return "tfrecord";
    case Format::kDataturks:
      return "dataturks";
    case Format::kCoco:
      return "coco";
  }
  return "?";
}

Format parse_format(const std::string& name) {
  for (Format f :
       {Format::kVoc, Format::kCsv, Format::kTfRecord, Format::kDataturks, Format::kCoco})
    if (name == format_name(f)) return f;
  throw UsageError("unknown data format '" + name +
                   "' (one of voc, csv, tfrecord, dataturks, coco)");
}

void split_path_spec(const std::string& spec, std::string* path, std::vector<std::string>* splits) {
  *path = spec;
  splits->clear();
  size_t colon = spec.rfind(':');
  if (colon == std::string::npos || colon == 0) return;
  std::string suffix = spec.substr(colon + 1);
  if (suffix.empty()) return;
  for (char c : suffix)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == ','))
      return;  // a path (e.g. C:\...), not splits
  *path = spec.substr(0, colon);
  size_t start = 0;
  while (start <= suffix.size()) {
    size_t end = suffix.find(',', start);
    if (end == std::string::npos) end = suffix.size();
    if (end > start) splits->push_back(suffix.substr(start, end - start));
    start = end + 1;
  }
}

Dataset read_dataset(Format f, const std::string& spec, const ReadOptions& opts) {
  std::string path;
  std::vector<std::string> splits;
  split_path_spec(spec, &path, &splits);
  if (!opts.splits.empty()) splits.insert(splits.end(), opts.splits.begin(), opts.splits.end());
  if (!splits.empty() && f != Format::kVoc)
    throw UsageError(std::string("splits (DIR:SPLIT) only apply to voc, not ") + format_name(f));
  switch (f) {
    case Format::kVoc: {
      std::error_code ec;
      if (fs::is_regular_file(path, ec)) {
        Dataset ds;
        ds.push_back(read_voc_xml(path, opts.labels, opts.image_dir));
        return ds;
      }
      return read_voc_dir(path, splits, opts.labels);
    }
    case Format::kCsv:
      return read_csv(path, opts.labels, opts.image_dir);
    case Format::kDataturks:
      return read_dataturks(path, opts.labels, opts.image_dir);
    case Format::kCoco:
      return read_coco(path, opts.labels, opts.image_dir);
    case Format::kTfRecord: {
      Dataset ds;
      TfRecordReader reader(path);
      std::string payload;
      while (reader.next(&payload)) {
        std::string ctx = detail::concat(path, ": record ", ds.size());
        Example ex = example_from_features(parse_tf_example(payload, ctx), ctx, opts.labels);
        ex.index = static_cast<int64_t>(ds.size());
        ds.push_back(std::move(ex));
      }
      return ds;
    }
  }
  return {};
}

void write_dataset(Format f, const std::string& path, const Dataset& ds, const WriteOptions& opts) {
  switch (f) {
    case Format::kVoc:
      write_voc_dir(path, ds, opts.copy_images);
      return;
    case Format::kCsv:
      write_csv(path, ds, opts.copy_images);
      return;
    case Format::kDataturks:
      write_dataturks(path, ds, opts.copy_images);
      return;
    case Format::kCoco:
      write_coco(path, ds, opts.labels, opts.copy_images);
      return;
    case Format::kTfRecord: {
      fs::path dir = fs::path(path).parent_path();
      if (!dir.empty()) fs::create_directories(dir);
      std::string bytes;
      for (const Example& ex : ds)
        bytes += frame_tfrecord(serialize_tf_example(features_from_example(ex, opts.labels)));
      io::write_file_atomic(path, bytes);
      return;
    }
  }
}

std::string first_existing(const std::vector<std::string>& candidates) {
  std::error_code ec;
  for (const std::string& c : candidates)
    if (fs::is_regular_file(c, ec)) return c;
  return candidates.empty() ? std::string() : candidates.front();
}

std::string example_image_bytes(const Example& ex) {
  if (!ex.encoded.empty()) return ex.encoded;
  if (ex.image_path.empty()) throw UserError(ex.where() + ": example has no image");
  return io::read_file(ex.image_path, size_t(1) << 30);
}

std::string sniff_image_ext(const std::string& bytes) {
  switch (sniff_image_type(bytes)) {
    case ImageType::kJpeg:
      return "jpg";
    case ImageType::kPng:
      return "png";
    default:
      return "";
  }
}

std::string copy_image_into(const Example& ex, const std::string& dir) {
  std::string bytes = example_image_bytes(ex);
  std::string ext = sniff_image_ext(bytes);
  if (ext.empty()) throw UserError(ex.where() + ": image is not a JPEG or PNG, cannot copy it");
  std::string name = ex.stem() + "." + ext;
  fs::path images = fs::path(dir.empty() ? "." : dir) / "images";
  fs::create_directories(images);
  io::write_file_atomic((images / name).string(), bytes);
  return name;
}

std::string format_coord(float v) {
  if (std::nearbyint(v) == v && std::fabs(v) < 1e9f)
    return std::to_string(static_cast<long long>(v));
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.9g", v);
  return buf;
}

}  // namespace tailor::data
