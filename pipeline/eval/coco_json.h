#pragma once
// COCO-format result files, so that pycocotools (or any COCO tool) can re-check Tailor's
// numbers: the detections list ([{image_id, category_id, bbox [x,y,w,h], score}]) and the
// matching ground truth ({images, annotations, categories}). Image ids are 1-based positions
// in `images`; file_name holds the stem. Boxes are in pixels when the image size is known,
// else normalized.
#include <string>
#include <vector>

#include "pipeline/eval/detection_types.h"

namespace tailor::pipeline {

// class_names[c-1] names class c.
std::string coco_detections_json(const std::vector<ImageDetections>& images);
std::string coco_groundtruth_json(const std::vector<ImageDetections>& images,
                                  const std::vector<std::string>& class_names);
// Writes both atomically: `detections_path` and `groundtruth_path`.
void write_coco_json(const std::vector<ImageDetections>& images,
                     const std::vector<std::string>& class_names,
                     const std::string& detections_path, const std::string& groundtruth_path);

}  // namespace tailor::pipeline
