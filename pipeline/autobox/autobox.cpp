#include "pipeline/autobox/autobox.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "data/dataset_io.h"
#include "data/format_util.h"
#include "data/jpeg_encode.h"
#include "data/loader.h"
#include "engine/autograd.h"
#include "models/box_coder.h"
#include "models/image_level.h"
#include "pipeline/detect/contact_sheet.h"
#include "pipeline/detect/detector.h"
#include "pipeline/eval/evaluator.h"
#include "pipeline/progress.h"
#include "runtime/error.h"
#include "runtime/io/atomic_file.h"
#include "runtime/thread_pool.h"

namespace fs = std::filesystem;

namespace tailor::pipeline {

namespace {

std::string fixed(float v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", v);
  return buf;
}

// The image's box from the model's raw output, by the rule; `refused` holds the best score
// of the labelled class when the rule found none.
AutoboxImage choose_box(const std::vector<models::BoxCorners>& decoded, const float* probs,
                        int columns, int label, const models::ImageLevelLossConfig& rule, int width,
                        int height) {
  AutoboxImage out;
  out.label = label;
  out.width = width, out.height = height;
  const models::ImagePredictions pred{&decoded, probs, columns};
  if (auto box = models::image_level_box(pred, label, rule)) {
    out.boxed = true;
    out.score = box->score;
    out.xmin = box->box.xmin * width, out.xmax = box->box.xmax * width;
    out.ymin = box->box.ymin * height, out.ymax = box->box.ymax * height;
    return out;
  }
  for (size_t a = 0; a < decoded.size(); ++a)
    out.score = std::max(out.score, probs[a * columns + label]);
  return out;
}

void write_contact_sheets(const data::Dataset& ds, const std::vector<AutoboxImage>& images,
                          const data::LabelMap& labels, const AutoboxOptions& o,
                          std::vector<std::string>* files) {
  // Least confident first, the ones without a box before all: what a reviewer should see.
  std::vector<size_t> order(images.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (images[a].boxed != images[b].boxed) return !images[a].boxed;
    return images[a].score < images[b].score;
  });
  const int per_page = std::max(1, o.sheet_images);
  for (size_t first = 0, page = 1; first < order.size(); first += per_page, ++page) {
    std::vector<SheetTile> tiles;
    for (size_t k = first; k < std::min(order.size(), first + per_page); ++k) {
      const size_t i = order[k];
      const AutoboxImage& r = images[i];
      const data::Example& ex = ds[i];
      SheetTile t;
      t.picture = data::decode_image(data::example_image_bytes(ex),
                                     ex.image_path.empty() ? ex.where() : ex.image_path, {});
      const std::string name = labels.name_of(r.label);
      if (r.boxed) {
        t.boxes = {PixelDetection{r.label, name, r.score, r.xmin, r.ymin, r.xmax, r.ymax}};
        t.caption = r.stem;
      } else {
        t.flagged = true;
        t.caption = r.stem + " NO BOX " + fixed(r.score).substr(0, 4);
      }
      tiles.push_back(std::move(t));
    }
    char file[64];
    std::snprintf(file, sizeof file, "contact_sheet_%03zu.jpg", page);
    const std::string path = (fs::path(o.out_dir) / file).string();
    io::write_file_atomic(
        path, data::encode_jpeg(contact_sheet(tiles, o.sheet_columns, o.sheet_cell), 85));
    files->push_back(path);
  }
}

}  // namespace

AutoboxResult autobox(models::SsdModel& model, const data::LabelMap& labels,
                      const data::Dataset& input, const AutoboxOptions& o) {
  std::ostream& log = o.log ? *o.log : std::cerr;
  TAILOR_CHECK(!o.out_dir.empty(), UsageError, "autobox: no output directory");
  TAILOR_CHECK(!input.empty(), UserError, "autobox: the data set holds no images");
  const models::SsdConfig& cfg = model.config();
  data::Dataset ds = input;
  std::vector<int> label_of;
  for (data::Example& ex : ds) {
    TAILOR_CHECK(ex.has_image_label(), UserError, ex.where(),
                 ": has boxes, not an image-level label; autobox derives boxes for image-level "
                 "sets (catalog, imagefolder, labels_csv)");
    const int id = data::image_label_class_id(ex, &labels);
    TAILOR_CHECK(id <= cfg.num_classes, UserError, ex.where(), ": class '", ex.image_label,
                 "' (id ", id, ") is beyond the model's ", cfg.num_classes, " classes");
    label_of.push_back(id);
    example_size(ex, {}, &ex.width, &ex.height);
  }

  AutoboxResult result;
  result.images.resize(ds.size());
  data::LoaderOptions lo;
  lo.batch_size = o.batch_size;
  lo.height = cfg.image_height;
  lo.width = cfg.image_width;
  lo.threads = std::max(1, num_threads());
  lo.shuffle = false;
  lo.repeat = false;
  lo.labels = &labels;
  data::Loader loader(ds, lo);
  ProgressOptions po;
  po.label = "image";
  po.total = static_cast<int64_t>(ds.size());
  po.out = &log;
  po.tty = o.progress_tty;
  Progress progress(po);
  const int64_t a = model.num_anchors(), columns = cfg.num_classes + 1;
  data::Batch batch;
  int64_t done = 0;
  while (loader.next(&batch)) {
    Tensor images = batch.images;
    if (batch.size < images.size(0)) images = images.slice(0, 0, batch.size).contiguous();
    std::vector<float> probs, codes;
    {
      NoGradGuard no_grad;
      const models::SsdOutput out = model.forward(images, /*training=*/false);
      probs = out.class_logits.to_vector();
      codes = out.box_encodings.to_vector();
    }
    for (float& v : probs) v = 1.f / (1.f + std::exp(-v));
    for (int i = 0; i < batch.size; ++i) {
      const int64_t idx = batch.example_indices[i];
      const data::Example& ex = ds[idx];
      const std::vector<models::BoxCorners> decoded =
          models::decode_boxes(&codes[i * a * 4], model.anchor_boxes(), cfg.box_coder);
      AutoboxImage r = choose_box(decoded, &probs[i * a * columns], static_cast<int>(columns),
                                  label_of[idx], o.rule, ex.width, ex.height);
      r.stem = ex.stem();
      result.images[idx] = r;
    }
    done += batch.size;
    progress.update(done);
  }
  progress.finish();

  fs::create_directories(o.out_dir);
  data::Dataset boxed;
  std::string csv = "stem,class,score,xmin,ymin,xmax,ymax,status\n";
  for (size_t i = 0; i < ds.size(); ++i) {
    const AutoboxImage& r = result.images[i];
    const std::string name = labels.name_of(r.label);
    csv += data::csv_quote(r.stem) + "," + data::csv_quote(name) + "," + fixed(r.score) + ",";
    if (r.boxed) {
      data::Example ex = ds[i];
      ex.image_label.clear();
      ex.image_label_id = 0;
      data::Box b;
      b.xmin = std::round(r.xmin), b.ymin = std::round(r.ymin);
      b.xmax = std::round(r.xmax), b.ymax = std::round(r.ymax);
      b.label = name;
      b.label_id = r.label;
      ex.boxes = {b};
      boxed.push_back(std::move(ex));
      csv += data::format_coord(b.xmin) + "," + data::format_coord(b.ymin) + "," +
             data::format_coord(b.xmax) + "," + data::format_coord(b.ymax) + ",boxed\n";
      ++result.boxed;
    } else {
      csv +=
          ",,,,no box: best " + name + " score below min_score " + fixed(o.rule.min_score) + "\n";
    }
  }
  data::write_dataset(data::Format::kVoc, o.out_dir, boxed, {&labels, true});
  const std::string csv_path = (fs::path(o.out_dir) / "autobox.csv").string();
  io::write_file_atomic(csv_path, csv);
  result.files.push_back(csv_path);
  write_contact_sheets(ds, result.images, labels, o, &result.files);
  return result;
}

}  // namespace tailor::pipeline
