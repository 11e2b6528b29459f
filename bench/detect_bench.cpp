#include "bench/detect_bench.h"

#include <algorithm>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <ostream>

#include "pipeline/detect/detect_files.h"
#include "pipeline/detect/detection_json.h"
#include "pipeline/model_io/load_detector.h"
#include "runtime/device.h"
#include "runtime/io/atomic_file.h"

namespace tailor::bench {

pipeline::DetectStageTimes run_detect_bench(const DetectBenchOptions& options, std::ostream& out) {
  const std::vector<std::string> paths = pipeline::collect_image_paths({options.images});
  pipeline::LoadDetectorOptions load;
  load.labels_path = options.labels;
  pipeline::DetectorOptions detect;
  detect.batch_size = options.batch_size;
  detect.score_threshold = options.score_threshold;
  detect.device = parse_device(options.device);
  pipeline::Detector detector(pipeline::load_detector(options.model, load), detect);

  // Warm-up on the first images: first-touch page faults and thread start-up are not the
  // steady state the per-stage figures describe.
  const size_t warm = std::min(paths.size(), static_cast<size_t>(std::max(options.warmup, 0)));
  if (warm > 0) detector.detect_files({paths.begin(), paths.begin() + warm});

  pipeline::DetectStageTimes times;
  const std::vector<pipeline::DetectedImage> results = detector.detect_files(paths, &times);
  size_t detections = 0;
  for (const pipeline::DetectedImage& r : results) detections += r.detections.size();

  const double n = double(std::max<int64_t>(times.images, 1));
  out << "detect: " << times.images << " images from " << options.images << ", model "
      << options.model << ", device " << options.device << ", batch " << options.batch_size << " ("
      << warm << " warm-up image(s) not counted)\n";
  out << std::left << std::setw(12) << "stage" << std::right << std::setw(12) << "total_s"
      << std::setw(14) << "ms/image" << std::setw(9) << "share\n";
  const double total = times.total_s();
  auto row = [&](const char* name, double s) {
    out << std::left << std::setw(12) << name << std::right << std::fixed << std::setprecision(3)
        << std::setw(12) << s << std::setw(14) << 1e3 * s / n << std::setprecision(1)
        << std::setw(7) << (total > 0 ? 100.0 * s / total : 0.0) << " %" << std::defaultfloat
        << "\n";
  };
  row("decode", times.decode_s);
  row("preprocess", times.preprocess_s);
  row("model", times.model_s);
  row("nms", times.nms_s);
  row("total", total);
  out << std::fixed << std::setprecision(1) << "throughput: " << (total > 0 ? n / total : 0.0)
      << " images/s; " << detections << " detections with score >= " << options.score_threshold
      << std::defaultfloat << "\n";

  if (!options.out.empty()) {
    nlohmann::json j;
    j["model"] = options.model;
    j["device"] = options.device;
    j["images_timed"] = times.images;
    j["stage_seconds"] = {{"decode", times.decode_s},
                          {"preprocess", times.preprocess_s},
                          {"model", times.model_s},
                          {"nms", times.nms_s},
                          {"total", total}};
    j["detections"] = nlohmann::json::array();
    for (const pipeline::DetectedImage& r : results)
      j["detections"].push_back(nlohmann::json::parse(pipeline::detection_json(r)));
    io::write_file_atomic(options.out, j.dump(2) + "\n");
    out << "wrote " << options.out << "\n";
  }
  return times;
}

}  // namespace tailor::bench
