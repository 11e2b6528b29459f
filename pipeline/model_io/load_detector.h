#pragma once
// Builds a ready-to-run detector from any weights file: a .tflite detection model (config
// from the file's shapes and PostProcess options), or a Tailor checkpoint (config and label
// map from its metadata). TF checkpoints carry no config, so they need `fallback_config`.
#include <memory>
#include <string>

#include "data/label_map.h"
#include "models/ssd_model.h"

namespace tailor::pipeline {

struct LoadedDetector {
  std::unique_ptr<models::SsdModel> model;
  data::LabelMap labels;     // empty when neither the file nor --labels gave one
  std::string source;        // the path, for messages
  int64_t global_step = -1;  // Tailor checkpoints: the step it was saved at

  // .tflite models only: the file's own post-processing, so results can match a TF Lite
  // runtime. `anchors` are the PostProcess op's (uint8-quantized) anchors as corners; empty
  // means the model's generated ones. `fast_nms` is the op's default path (use_regular_nms
  // false): each anchor keeps its best max_classes_per_detection classes and one NMS runs
  // over all classes, instead of the TF OD API's per-class NMS.
  std::vector<models::BoxCorners> anchors;
  bool fast_nms = false;
  int max_classes_per_detection = 1;
};

struct LoadDetectorOptions {
  std::string labels_path;  // overrides the checkpoint's label map (.pbtxt or labelmap.txt)
  // Tailor checkpoints with ExponentialMovingAverage shadows: use the averaged weights, as the
  // TF OD API exports them when use_moving_average is on.
  bool use_moving_average = true;
  const models::SsdConfig* fallback_config = nullptr;  // for TF checkpoints
};

LoadedDetector load_detector(const std::string& path, const LoadDetectorOptions& options = {});

}  // namespace tailor::pipeline
