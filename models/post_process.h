#pragma once
// TF SSD post-processing: decode boxes, sigmoid scores (background column dropped), then
// multiclass NMS per image: per class, scores > score_threshold, boxes clipped to the window
// [0, 0, 1, 1] (zero-area boxes dropped), NMS at iou_threshold keeping max_detections_per_class;
// all classes merged, sorted by score, max_total_detections kept.
#include <vector>

#include "models/box.h"
#include "models/model_config.h"
#include "models/ssd_output.h"

namespace tailor::models {

struct Detection {
  int class_id = 0;  // 1..num_classes
  float score = 0;
  float ymin = 0, xmin = 0, ymax = 0, xmax = 0;  // normalized, inside [0, 1]
};

// One image: boxes [A] and scores [A * num_classes] (row-major, no background column).
std::vector<Detection> multiclass_nms(const std::vector<BoxCorners>& boxes,
                                      const std::vector<float>& scores, int num_classes,
                                      const PostProcessConfig& config);

// The same without its pruning (every class's NMS over every box): the yardstick it is
// tested against.
std::vector<Detection> multiclass_nms_ref(const std::vector<BoxCorners>& boxes,
                                          const std::vector<float>& scores, int num_classes,
                                          const PostProcessConfig& config);

// Whole batch, from the model's output. Runs without autograd.
std::vector<std::vector<Detection>> detect(const SsdOutput& output,
                                           const std::vector<BoxCorners>& anchors,
                                           const BoxCoderConfig& coder,
                                           const PostProcessConfig& config);

}  // namespace tailor::models
