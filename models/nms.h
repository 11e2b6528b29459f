#pragma once
// tf.image.non_max_suppression: greedy selection by descending score (ties: lower index
// first); a box is dropped when its IoU (nms_iou) with a selected box exceeds iou_threshold.
#include <vector>

#include "models/box.h"

namespace tailor::models {

// Returns selected indices into `boxes`, at most max_output, in selection order. Only boxes
// with score > score_threshold are candidates (TF's default threshold is -inf).
std::vector<int> non_max_suppression(const std::vector<BoxCorners>& boxes,
                                     const std::vector<float>& scores, int max_output,
                                     float iou_threshold, float score_threshold = -1e30f);

}  // namespace tailor::models
