#include "pipeline/eval/top1_accuracy.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace tailor::pipeline {

Top1Result top1_accuracy(const std::vector<ImageDetections>& images, int num_classes) {
  Top1Result r;
  r.images_per_class.assign(num_classes, 0);
  r.correct_per_class.assign(num_classes, 0);
  r.confusion.assign(size_t(num_classes) * (num_classes + 1), 0);
  auto confuse = [&](int label, int predicted) {
    if (label >= 1 && label <= num_classes && predicted >= 0 && predicted <= num_classes)
      ++r.confusion[size_t(label - 1) * (num_classes + 1) + predicted];
  };
  std::vector<double> confidences;
  for (const auto& img : images) {
    const bool image_level = img.image_label > 0 && img.groundtruth.empty();
    if (!image_level && img.groundtruth.size() != 1) continue;
    const int label = image_level ? img.image_label : img.groundtruth[0].label;
    ++r.num_images;
    const bool in_range = label >= 1 && label <= num_classes;
    if (in_range) ++r.images_per_class[label - 1];
    // The first of equal top scores, as argmax would pick.
    const DetectionBox* top = nullptr;
    float label_score = 0.f;
    for (const auto& d : img.detections) {
      if (!top || d.score > top->score) top = &d;
      if (d.label == label) label_score = std::max(label_score, d.score);
    }
    confuse(label, top ? top->label : 0);
    if (!top) {
      ++r.num_without_detection;
      r.misses.push_back({img.image_id, label, 0, 0.f, 0.f});
      continue;
    }
    confidences.push_back(top->score);
    if (top->label == label) {
      ++r.num_correct;
      if (in_range) ++r.correct_per_class[label - 1];
    } else {
      r.misses.push_back({img.image_id, label, top->label, top->score, label_score});
    }
  }
  const double nan = std::numeric_limits<double>::quiet_NaN();
  r.accuracy = r.num_images ? double(r.num_correct) / r.num_images : nan;
  if (confidences.empty()) {
    r.min_confidence = r.median_confidence = r.max_confidence = nan;
  } else {
    std::sort(confidences.begin(), confidences.end());
    const size_t n = confidences.size();
    r.min_confidence = confidences.front();
    r.max_confidence = confidences.back();
    // numpy.median: the mean of the two middle values for an even count.
    r.median_confidence =
        n % 2 ? confidences[n / 2] : 0.5 * (confidences[n / 2 - 1] + confidences[n / 2]);
  }
  return r;
}

}  // namespace tailor::pipeline
