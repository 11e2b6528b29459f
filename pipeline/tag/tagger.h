#pragma once
// `tailor tag`: a whole folder (or list) of product photos tagged by the detector, for a
// merchandiser to check. Each image gets its top class, the runner-up, the top box, and a
// needs-review flag; the doubtful ones are put first on a review page.
//
// Files in TagOptions::out_dir (each written atomically):
//   tags.csv          image, top_class, top_score, second_class, second_score, the box in
//                     pixels (xmin, ymin, xmax, ymax), needs_review, reason; with labels also
//                     label and correct
//   review.html       one self-contained page: a per-class summary, then one card per image
//                     (those needing review first), each with its drawn box and top-3 classes
//   thumbs/STEM.jpg   the cards' pictures
//   confusion.txt, confusion.png   with labels: the top-1 confusion matrix
#include <functional>
#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include "pipeline/detect/detector.h"
#include "pipeline/eval/top1_accuracy.h"

namespace tailor::pipeline {

struct TagOptions {
  std::string out_dir;
  float review_below = 0.5f;  // a top score under this needs review
  float margin = 0.15f;       // so does a runner-up within this of the top score
  bool fail_fast = false;     // stop at the first unreadable image
  int thumb_side = 200;       // pixels
  // Optional image-level labels for the images, by file stem (class ids): per-class accuracy
  // and the confusion matrix.
  std::map<std::string, int> labels;
  std::ostream* log = nullptr;  // progress; default std::cerr
  int progress_tty = -1;
};

struct TagScore {
  int class_id = 0;
  float score = 0;
};

struct TagRow {
  std::string image;  // the path as given
  std::string stem;   // unique among the rows (thumbs/STEM.jpg)
  std::string error;  // unreadable: why; the row has no tags then
  int width = 0, height = 0;
  std::vector<TagScore> top;  // the best score of each class, best first (at most 3)
  float xmin = 0, ymin = 0, xmax = 0, ymax = 0;  // the top detection, pixels
  bool needs_review = false;
  std::string reason;  // why it needs review
  int label = 0;       // from TagOptions::labels; 0 when unknown
};

struct TagResult {
  std::vector<TagRow> rows;  // input order
  int needs_review = 0, unreadable = 0;
  bool has_labels = false;
  Top1Result top1;  // over the labelled rows
  std::vector<std::string> files;
};

// Tags every image. The detector's score threshold should be low (tag uses 0.01), so that the
// runner-up classes have scores. Throws UserError naming the file for an unreadable image
// when fail_fast is set; otherwise it is listed and tagging goes on.
TagResult tag_images(Detector& detector, const std::vector<std::string>& images,
                     const TagOptions& options);

// The inputs of `tailor tag`: image files, folders (scanned like detect's), and CSV files
// whose header names a path column (path, filename, file or image); relative CSV paths
// resolve against the CSV's folder. `labels_out` (optional) receives a CSV's label column
// (label, class or category) by image stem, when it has one.
std::vector<std::string> collect_tag_inputs(const std::vector<std::string>& inputs,
                                            std::map<std::string, std::string>* labels_out);

}  // namespace tailor::pipeline
