#pragma once
// Pascal VOC AP as the TF Object Detection API's PascalDetectionEvaluator computes it
// (object_detection_evaluation.ObjectDetectionEvaluation with per_image_evaluation):
//   - per image and class, detections in descending score order each take the ground-truth box
//     they overlap most; it is a true positive when that IoU >= 0.5 and the box is not already
//     taken, else a false positive (a later detection never steals a taken box);
//   - per class, all images' detections are ranked by score (ties keep input order) and AP is
//     the all-point interpolated area under the precision envelope (VOC 2010+);
//   - classes without ground truth get NaN and are left out of the mean; a class with ground
//     truth but no detections gets AP 0.
#include <vector>

#include "pipeline/eval/detection_types.h"

namespace tailor::pipeline {

struct VocApResult {
  std::vector<double> ap_per_class;  // index c-1 for class c; NaN without ground truth
  std::vector<int> num_groundtruth;  // per class
  double mean_ap = 0.0;              // NaN when no class has ground truth
};

VocApResult pascal_voc_ap(const std::vector<ImageDetections>& images, int num_classes,
                          double iou_threshold = 0.5);

// The all-point interpolated AP of a ranked list: `precision` and `recall` per rank
// (metrics.compute_average_precision).
double average_precision_all_points(const std::vector<double>& precision,
                                    const std::vector<double>& recall);

}  // namespace tailor::pipeline
