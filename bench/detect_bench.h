#pragma once
// `tailor bench detect`: runs the detector of `tailor detect` (pipeline/detect/detector.h)
// over a folder and reports the time per stage (decode, preprocess, model, NMS), per image and
// in total; optionally writes every image's detections as one JSON file.
#include <iosfwd>
#include <string>

#include "pipeline/detect/detector.h"

namespace tailor::bench {

struct DetectBenchOptions {
  std::string images;  // folder (or one image file)
  std::string model;   // .tflite or Tailor checkpoint
  std::string labels;  // optional label map
  std::string out;     // optional detections JSON
  std::string device = "cpu";
  int batch_size = 1;
  float score_threshold = 0.5f;
  int warmup = 1;  // images run once first and not counted (allocator, caches)
};

pipeline::DetectStageTimes run_detect_bench(const DetectBenchOptions& options, std::ostream& out);

}  // namespace tailor::bench
