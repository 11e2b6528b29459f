#pragma once
// TF Lite's DetectionPostProcess default path (use_regular_nms false,
// NonMaxSuppressionMultiClassFastHelper): each anchor is ranked by its best class score, one
// greedy NMS runs over all anchors regardless of class, and each kept anchor reports its
// `max_classes_per_detection` best classes. Used for .tflite models so `tailor detect` returns
// what the file's own post-processing returns; Tailor-trained models use the TF OD API's
// per-class multiclass_nms (models/post_process.h).
#include <vector>

#include "models/box.h"
#include "models/model_config.h"
#include "models/post_process.h"

namespace tailor::models {

// boxes [A] decoded; scores [A * num_classes] after the sigmoid, background dropped.
// Keeps at most config.max_total_detections anchors (the op's max_detections), boxes clipped
// to [0, 1] for output, sorted by score.
std::vector<Detection> fast_nms(const std::vector<BoxCorners>& boxes,
                                const std::vector<float>& scores, int num_classes,
                                int max_classes_per_detection, const PostProcessConfig& config);

}  // namespace tailor::models
