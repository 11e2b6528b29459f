#pragma once
// What evaluation consumes: per image, the labelled boxes and the detector's output. Boxes are
// normalized corners (TF's [ymin, xmin, ymax, xmax]); labels are class ids 1..num_classes.
#include <string>
#include <vector>

#include "models/box.h"

namespace tailor::pipeline {

struct GroundTruthBox {
  models::BoxCorners box;
  int label = 0;
};

struct DetectionBox {
  models::BoxCorners box;
  int label = 0;
  float score = 0.f;
};

struct ImageDetections {
  std::string image_id;       // the stem
  int width = 0, height = 0;  // pixels; 0 when unknown (then JSON boxes stay normalized)
  std::vector<GroundTruthBox> groundtruth;
  // An image-level label (no boxes): the class the photo is filed under, 0 for a
  // box-labelled image. Such images count for top-1 only: AP needs boxes.
  int image_label = 0;
  std::vector<DetectionBox> detections;
};

}  // namespace tailor::pipeline
