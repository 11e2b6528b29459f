#pragma once
// Runs a loaded SSD detector on images, the way the TF Object Detection API's exported
// inference graph does: TF1 resize_bilinear (align_corners false, no half-pixel centres) to
// the model size, (2 / 255) x - 1, the forward pass in inference mode, then sigmoid scores and
// multiclass NMS. Images go through in batches; each stage is timed so `tailor bench detect`
// reports the same numbers `tailor detect` runs.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "data/image.h"
#include "models/post_process.h"
#include "models/ssd_inference.h"
#include "pipeline/model_io/load_detector.h"
#include "runtime/device.h"

namespace tailor::pipeline {

// Seconds spent per stage, summed over every image run so far.
struct DetectStageTimes {
  double decode_s = 0;      // file read + JPEG/PNG decode (+ EXIF orientation)
  double preprocess_s = 0;  // resize to the model size and scale to [-1, 1]
  double model_s = 0;       // SsdModel::forward
  double nms_s = 0;         // box decoding, scores, multiclass NMS
  int64_t images = 0;
  double total_s() const { return decode_s + preprocess_s + model_s + nms_s; }
};

// One detection in the image's pixel coordinates.
struct PixelDetection {
  int class_id = 0;  // the label map's id (model class 1..num_classes)
  std::string class_name;
  float score = 0;
  float xmin = 0, ymin = 0, xmax = 0, ymax = 0;
};

struct DetectedImage {
  std::string path;
  int width = 0, height = 0;               // as decoded, EXIF orientation applied
  std::vector<PixelDetection> detections;  // by score, highest first
};

struct DetectorOptions {
  float score_threshold = 0.5f;  // detections below are dropped (after NMS)
  int batch_size = 1;
  Device device = Device::cpu();
  data::DecodeOptions decode;  // EXIF orientation honoured by default
};

class Detector {
 public:
  // Takes the model over. For a CUDA device, requires one (DeviceError "no CUDA device: ...")
  // and moves the parameters there.
  Detector(LoadedDetector loaded, DetectorOptions options);

  const models::SsdModel& model() const { return *loaded_.model; }
  const data::LabelMap& labels() const { return loaded_.labels; }
  const DetectorOptions& options() const { return options_; }

  // Raw model detections (normalized corners, model class ids), every score above the
  // model's post-process threshold, for decoded images; runs them as one batch.
  std::vector<std::vector<models::Detection>> detect_normalized(
      const std::vector<const data::Image*>& images, DetectStageTimes* times = nullptr);

  // Called per image, in order, with its result and its decoded pixels (which the callee may
  // draw on), as soon as its batch is done.
  using ImageCallback = std::function<void(const DetectedImage&, data::Image&)>;

  // Decodes and detects; the options' threshold applies and boxes are in pixels.
  // Throws UserError naming the file for an unreadable image.
  std::vector<DetectedImage> detect_files(const std::vector<std::string>& paths,
                                          DetectStageTimes* times = nullptr,
                                          const ImageCallback& on_image = {});

  // The class name shown for a model class id: the label map's display_name, else its name,
  // else "class N".
  std::string class_name(int class_id) const;

 private:
  LoadedDetector loaded_;
  DetectorOptions options_;
  std::unique_ptr<models::SsdInference> inference_;  // the CPU path, built on first use
};

// Reads and decodes one image file; UserError names the file.
data::Image read_image_file(const std::string& path, const data::DecodeOptions& options = {});

}  // namespace tailor::pipeline
