#pragma once
// Top-1 tagging accuracy, the clothing tagger's headline number: over the images that hold
// exactly one labelled object (or carry one image-level label), the share whose
// highest-scoring detection has that class. An image without any detection counts as wrong. Also
// the spread of those top detections' confidences (min / median / max), which tells whether a
// threshold would cut correct tags. The wrong images are listed, so a user can look at them.
#include <string>
#include <vector>

#include "pipeline/eval/detection_types.h"

namespace tailor::pipeline {

struct Top1Miss {
  std::string image_id;
  int label = 0;            // the labelled class
  int predicted = 0;        // the top detection's class; 0 when there is no detection
  float score = 0.f;        // the top detection's score
  float label_score = 0.f;  // the best score of a detection of the labelled class (0 if none)
};

struct Top1Result {
  int num_images = 0;  // single-object images
  int num_correct = 0;
  int num_without_detection = 0;
  double accuracy = 0.0;  // NaN when there is no single-object image
  // Over the top detections of the single-object images that have one; NaN when none.
  double min_confidence = 0.0, median_confidence = 0.0, max_confidence = 0.0;
  std::vector<int> images_per_class;  // index c-1: single-object images labelled c
  std::vector<int> correct_per_class;
  std::vector<Top1Miss> misses;  // in input order
  // Rows: the labelled class c (row c-1); columns: the top detection's class (column p,
  // p = 0 for no detection). num_classes x (num_classes + 1), row-major.
  std::vector<int> confusion;
  int confusion_at(int label, int predicted) const {
    return confusion[size_t(label - 1) * (images_per_class.size() + 1) + predicted];
  }
};

Top1Result top1_accuracy(const std::vector<ImageDetections>& images, int num_classes);

}  // namespace tailor::pipeline
