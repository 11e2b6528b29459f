#pragma once
// COCO box AP with pycocotools' COCOeval definitions (iouType "bbox", area range "all",
// maxDets 100, no crowd boxes):
//   - per image and category, detections are sorted by score (stable) and cut to max_dets;
//   - for each IoU threshold .50:.05:.95 a detection takes the unmatched ground-truth box of
//     highest IoU >= the threshold (greedy, by descending score);
//   - per category, all detections are ranked by score (stable), precision is made
//     monotone and read at the 101 recall thresholds 0:.01:1 (searchsorted, side left; 0
//     past the last recall reached);
//   - AP is the mean over thresholds, recall points and categories with ground truth.
// IoU is computed in double on [x, y, w, h] boxes as maskUtils.iou does.
#include <vector>

#include "pipeline/eval/detection_types.h"

namespace tailor::pipeline {

struct CocoApResult {
  double ap = -1.0;  // AP@[.50:.95]; -1 (pycocotools' "absent") when no ground truth
  double ap50 = -1.0;
  double ap75 = -1.0;
  std::vector<double> ap_per_class;  // AP@[.50:.95] per class; -1 without ground truth
};

CocoApResult coco_ap(const std::vector<ImageDetections>& images, int num_classes,
                     int max_dets = 100);

// np.linspace(start, stop, num) exactly as numpy computes it (i * step + start, last = stop),
// so that thresholds compare bit-identically with pycocotools'.
std::vector<double> numpy_linspace(double start, double stop, int num);

}  // namespace tailor::pipeline
