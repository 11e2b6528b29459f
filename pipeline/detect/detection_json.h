#pragma once
// The per-image JSON `tailor detect` writes:
//   {"image": path, "width": W, "height": H,
//    "detections": [{"class_id": int, "class": name, "score": float,
//                    "box": [xmin, ymin, xmax, ymax]}]}
// boxes in pixels, detections sorted by score (highest first).
#include <string>

#include "pipeline/detect/detector.h"

namespace tailor::pipeline {

std::string detection_json(const DetectedImage& result);

}  // namespace tailor::pipeline
