// `tailor detect --model PATH [--labels LABELMAP] --out DIR [--threshold T] [--batch-size N]
// [--device cpu|cuda] IMAGE_OR_DIR...`: runs a detector (.tflite, Tailor checkpoint, or TF
// checkpoint with a config) and writes DIR/<stem>.json and DIR/<stem>.jpg per image.
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "app/command.h"
#include "data/jpeg_encode.h"
#include "pipeline/detect/detect_files.h"
#include "pipeline/detect/detection_json.h"
#include "pipeline/detect/draw_detections.h"
#include "pipeline/model_io/zoo.h"
#include "pipeline/progress.h"
#include "runtime/device.h"
#include "runtime/error.h"
#include "runtime/io/atomic_file.h"

namespace {

struct DetectArgs {
  std::string model, labels, out, device = "cpu";
  float threshold = 0.5f;
  int batch_size = 1;
  std::vector<std::string> inputs;
};

void run_detect(const DetectArgs& a) {
  using namespace tailor;
  pipeline::DetectorOptions opt;
  opt.score_threshold = a.threshold;
  opt.batch_size = a.batch_size;
  opt.device = parse_device(a.device);
  if (opt.device.is_cuda()) require_cuda();  // before the (slow) model load

  const std::vector<std::string> images = pipeline::collect_image_paths(a.inputs);
  const std::vector<std::string> stems = pipeline::unique_output_stems(images);

  pipeline::LoadDetectorOptions load;
  load.labels_path = a.labels;
  const std::string model = a.model.empty() ? pipeline::zoo_model_path() : a.model;
  pipeline::Detector detector(pipeline::load_detector(model, load), opt);
  if (detector.labels().empty())
    std::cerr << "warning: " << model
              << " carries no label map and --labels was not given; classes print as ids\n";

  std::error_code ec;
  std::filesystem::create_directories(a.out, ec);
  TAILOR_CHECK(!ec, UserError, a.out, ": cannot create the output folder: ", ec.message());

  pipeline::ProgressOptions popt;
  popt.label = "image";
  popt.total = static_cast<int64_t>(images.size());
  pipeline::Progress progress(popt);
  size_t done = 0, found = 0;
  detector.detect_files(images, nullptr,
                        [&](const pipeline::DetectedImage& r, data::Image& pixels) {
                          const std::string base = a.out + "/" + stems[done];
                          io::write_file_atomic(base + ".json", pipeline::detection_json(r));
                          pipeline::draw_detections(&pixels, r.detections);
                          io::write_file_atomic(base + ".jpg", data::encode_jpeg(pixels));
                          found += r.detections.size();
                          progress.update(static_cast<int64_t>(++done),
                                          {{"detections", double(r.detections.size())}});
                        });
  progress.finish();
  std::cout << "detected " << found << " objects in " << images.size() << " images; wrote " << a.out
            << "\n";
}

}  // namespace

TAILOR_COMMAND("detect", "Run a detector on JPEG/PNG images or folders of them", [](CLI::App& cmd) {
  auto a = std::make_shared<DetectArgs>();
  cmd.add_option("--model", a->model,
                 ".tflite, Tailor .safetensors checkpoint, or TF checkpoint (default: the "
                 "shipped clothing tagger, models/zoo/ssd_mobilenet_v1_clothing.safetensors)");
  cmd.add_option("--labels", a->labels, "Label map: TF .pbtxt or labelmap.txt (one name per line)");
  cmd.add_option("--out", a->out, "Output folder")->required();
  cmd.add_option("--threshold", a->threshold, "Minimum score (default 0.5)");
  cmd.add_option("--batch-size", a->batch_size, "Images per forward pass");
  cmd.add_option("--device", a->device, "cpu or cuda");
  cmd.add_option("images", a->inputs, "Image files or folders")->required();
  cmd.callback([a] { run_detect(*a); });
});
