#include "pipeline/tag/tagger.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <system_error>

#include "data/format_util.h"
#include "data/jpeg_encode.h"
#include "data/label_map.h"
#include "pipeline/detect/detect_files.h"
#include "pipeline/detect/draw_detections.h"
#include "pipeline/eval/class_table.h"
#include "pipeline/plot/confusion_plot.h"
#include "pipeline/progress.h"
#include "pipeline/tag/review_page.h"
#include "runtime/error.h"
#include "runtime/io/atomic_file.h"

namespace fs = std::filesystem;

namespace tailor::pipeline {

namespace {

bool is_csv(const std::string& path) {
  const std::string ext = data::ascii_lower(fs::path(path).extension().string());
  return ext == ".csv";
}

// A CSV of paths: the path column (and the label column, when there is one).
void read_path_csv(const std::string& csv, std::vector<std::string>* paths,
                   std::map<std::string, std::string>* labels) {
  const std::string text = io::read_file(csv, size_t(256) << 20);
  int path_col = -1, label_col = -1;
  bool header = true;
  const fs::path base = fs::path(csv).parent_path();
  data::for_each_line(text, [&](int line_no, std::string line) {
    if (line_no == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);
    if (line.find_first_not_of(" \t") == std::string::npos) return;
    const std::string where = csv + ": line " + std::to_string(line_no);
    const std::vector<std::string> f = data::split_csv_line(line, where);
    if (header) {
      for (size_t i = 0; i < f.size(); ++i) {
        const std::string h = data::ascii_lower(f[i]);
        if (path_col < 0 && (h == "path" || h == "filename" || h == "file" || h == "image"))
          path_col = static_cast<int>(i);
        if (label_col < 0 && (h == "label" || h == "class" || h == "category"))
          label_col = static_cast<int>(i);
      }
      TAILOR_CHECK(path_col >= 0, UserError, where,
                   ": header lacks a path column (path, filename, file or image)");
      header = false;
      return;
    }
    TAILOR_CHECK(size_t(path_col) < f.size() && !f[path_col].empty(), UserError, where,
                 ": missing column 'path'");
    const fs::path p(f[path_col]);
    const std::string path = (p.is_absolute() ? p : base / p).lexically_normal().string();
    paths->push_back(path);
    if (labels && label_col >= 0 && size_t(label_col) < f.size() && !f[label_col].empty())
      (*labels)[data::path_stem(path)] = f[label_col];
  });
  TAILOR_CHECK(!header, UserError, csv, ": empty CSV (no header)");
}

std::string fixed(float v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", v);
  return buf;
}

std::string score2(float v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

std::string tags_csv(const TagResult& r, const Detector& det) {
  std::string out =
      "image,top_class,top_score,second_class,second_score,xmin,ymin,xmax,ymax,needs_review,"
      "reason";
  if (r.has_labels) out += ",label,correct";
  out += "\n";
  for (const TagRow& row : r.rows) {
    auto cls = [&](size_t i) {
      return i < row.top.size() ? det.class_name(row.top[i].class_id) : "";
    };
    auto score = [&](size_t i) { return i < row.top.size() ? fixed(row.top[i].score) : ""; };
    out += data::csv_quote(row.image) + "," + data::csv_quote(cls(0)) + "," + score(0) + "," +
           data::csv_quote(cls(1)) + "," + score(1) + ",";
    if (!row.top.empty())
      out += data::format_coord(std::round(row.xmin)) + "," +
             data::format_coord(std::round(row.ymin)) + "," +
             data::format_coord(std::round(row.xmax)) + "," +
             data::format_coord(std::round(row.ymax)) + ",";
    else
      out += ",,,,";
    out += std::string(row.needs_review ? "yes" : "no") + "," + data::csv_quote(row.reason);
    if (r.has_labels) {
      out += "," + data::csv_quote(row.label ? det.class_name(row.label) : "");
      out +=
          row.label ? (!row.top.empty() && row.top[0].class_id == row.label ? ",yes" : ",no") : ",";
    }
    out += "\n";
  }
  return out;
}

}  // namespace

std::vector<std::string> collect_tag_inputs(const std::vector<std::string>& inputs,
                                            std::map<std::string, std::string>* labels_out) {
  std::vector<std::string> images, plain;
  for (const std::string& in : inputs) {
    std::error_code ec;
    if (fs::is_regular_file(in, ec) && is_csv(in)) {
      if (!plain.empty()) {
        for (const std::string& p : collect_image_paths(plain)) images.push_back(p);
        plain.clear();
      }
      read_path_csv(in, &images, labels_out);
    } else {
      plain.push_back(in);
    }
  }
  if (!plain.empty())
    for (const std::string& p : collect_image_paths(plain)) images.push_back(p);
  TAILOR_CHECK(!images.empty(), UserError, "tag: no images in the inputs");
  return images;
}

TagResult tag_images(Detector& detector, const std::vector<std::string>& images,
                     const TagOptions& o) {
  std::ostream& log = o.log ? *o.log : std::cerr;
  TAILOR_CHECK(!o.out_dir.empty(), UsageError, "tag: no output folder (--out)");
  const fs::path out(o.out_dir), thumbs = out / "thumbs";
  fs::create_directories(thumbs);
  TagResult r;
  r.has_labels = !o.labels.empty();
  const std::vector<std::string> stems = unique_output_stems(images);
  ProgressOptions po;
  po.label = "image";
  po.total = static_cast<int64_t>(images.size());
  po.out = &log;
  po.tty = o.progress_tty;
  Progress progress(po);
  const int batch = std::max(1, detector.options().batch_size);
  std::vector<ImageDetections> labelled;
  const int num_classes = detector.model().config().num_classes;
  for (size_t first = 0; first < images.size(); first += batch) {
    const size_t last = std::min(images.size(), first + batch);
    std::vector<data::Image> pixels;
    std::vector<size_t> index;  // rows of the decoded images
    for (size_t i = first; i < last; ++i) {
      TagRow row;
      row.image = images[i];
      row.stem = stems[i];
      auto l = o.labels.find(data::path_stem(images[i]));
      if (l != o.labels.end()) row.label = l->second;
      try {
        pixels.push_back(read_image_file(images[i], detector.options().decode));
        index.push_back(r.rows.size());
        row.width = pixels.back().width, row.height = pixels.back().height;
      } catch (const UserError& e) {
        if (o.fail_fast) throw;
        row.error = e.what();
        row.needs_review = true;
        row.reason = std::string("unreadable: ") + e.what();
        ++r.unreadable;
      }
      r.rows.push_back(std::move(row));
    }
    std::vector<const data::Image*> ptrs;
    for (const data::Image& p : pixels) ptrs.push_back(&p);
    const auto dets = detector.detect_normalized(ptrs);
    for (size_t k = 0; k < index.size(); ++k) {
      TagRow& row = r.rows[index[k]];
      const auto& d = dets[k];
      // The best score of each class; detections come by score, so the first of a class is it.
      for (const models::Detection& x : d) {
        if (row.top.size() >= 3) break;
        const bool seen = std::any_of(row.top.begin(), row.top.end(),
                                      [&](const TagScore& t) { return t.class_id == x.class_id; });
        if (!seen) row.top.push_back({x.class_id, x.score});
      }
      if (!d.empty()) {
        row.xmin = d[0].xmin * row.width, row.xmax = d[0].xmax * row.width;
        row.ymin = d[0].ymin * row.height, row.ymax = d[0].ymax * row.height;
      }
      if (row.top.empty()) {
        row.needs_review = true;
        row.reason = "nothing detected";
      } else if (row.top[0].score < o.review_below) {
        row.needs_review = true;
        row.reason = "top score " + score2(row.top[0].score) + " < " + score2(o.review_below);
      } else if (row.top.size() > 1 && row.top[0].score - row.top[1].score < o.margin) {
        row.needs_review = true;
        row.reason = "top two " + score2(row.top[0].score) + " and " + score2(row.top[1].score) +
                     ", within " + score2(o.margin);
      }
      // The card's picture: the top box (and its class) on a thumbnail.
      data::Image thumb = thumbnail(pixels[k], o.thumb_side);
      if (!row.top.empty()) {
        const float sx = float(thumb.width) / row.width, sy = float(thumb.height) / row.height;
        draw_detections(
            &thumb, {PixelDetection{row.top[0].class_id, detector.class_name(row.top[0].class_id),
                                    row.top[0].score, row.xmin * sx, row.ymin * sy, row.xmax * sx,
                                    row.ymax * sy}});
      }
      io::write_file_atomic((thumbs / (row.stem + ".jpg")).string(), data::encode_jpeg(thumb, 85));
      if (row.label) {
        ImageDetections img;
        img.image_id = row.stem;
        img.image_label = row.label;
        for (const models::Detection& x : d) img.detections.push_back({{}, x.class_id, x.score});
        labelled.push_back(std::move(img));
      }
    }
    for (size_t i = first; i < last; ++i) r.needs_review += r.rows[i].needs_review;
    progress.update(static_cast<int64_t>(last));
  }
  progress.finish();

  const std::string csv = (out / "tags.csv").string();
  io::write_file_atomic(csv, tags_csv(r, detector));
  r.files.push_back(csv);
  std::vector<std::string> names;
  for (int c = 1; c <= num_classes; ++c) names.push_back(detector.class_name(c));
  if (r.has_labels) {
    r.top1 = top1_accuracy(labelled, num_classes);
    const std::string txt = (out / "confusion.txt").string(),
                      png = (out / "confusion.png").string();
    io::write_file_atomic(txt, format_confusion_matrix(names, r.top1));
    plot_confusion_matrix(names, r.top1, "TOP-1 CONFUSION: TAGS AGAINST LABELS").save_png(png);
    r.files.push_back(txt);
    r.files.push_back(png);
  }
  const std::string html = (out / "review.html").string();
  io::write_file_atomic(html, review_page_html(r, names, o));
  r.files.push_back(html);
  return r;
}

}  // namespace tailor::pipeline
