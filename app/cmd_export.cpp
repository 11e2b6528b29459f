// `tailor export --model CKPT_OR_TFLITE --to model.onnx [--opset 17] [--batch N|dynamic]
// [--with-postprocess] [--input float|uint8]`: the detector as an ONNX model
// (pipeline/export/onnx_export.h).
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "app/command.h"
#include "pipeline/export/onnx_export.h"
#include "pipeline/model_io/load_detector.h"
#include "pipeline/model_io/zoo.h"
#include "runtime/error.h"
#include "runtime/io/atomic_file.h"

namespace {

struct ExportArgs {
  std::string model, to, labels, batch = "dynamic", input = "float";
  int opset = 17;
  bool with_postprocess = false;
};

void run_export(const ExportArgs& a) {
  using namespace tailor;
  pipeline::OnnxExportOptions o;
  o.opset = a.opset;
  o.with_postprocess = a.with_postprocess;
  if (a.input != "float" && a.input != "uint8")
    throw UsageError("--input must be float or uint8, got '" + a.input + "'");
  o.uint8_input = a.input == "uint8";
  if (a.batch != "dynamic") {
    try {
      size_t used = 0;
      o.batch = std::stoi(a.batch, &used);
      if (used != a.batch.size() || o.batch < 1) throw std::invalid_argument("batch");
    } catch (const std::exception&) {
      throw UsageError("--batch must be a positive number or dynamic, got '" + a.batch + "'");
    }
  }
  const std::string model = a.model.empty() ? pipeline::zoo_model_path() : a.model;
  pipeline::LoadDetectorOptions load;
  load.labels_path = a.labels;
  const pipeline::LoadedDetector detector = pipeline::load_detector(model, load);
  o.source = model;
  const std::string bytes = pipeline::export_onnx(detector, o);
  const std::filesystem::path dir = std::filesystem::path(a.to).parent_path();
  if (!dir.empty()) std::filesystem::create_directories(dir);
  io::write_file_atomic(a.to, bytes);
  const auto& c = detector.model->config();
  std::cout << "wrote " << a.to << " (" << bytes.size() / 1024 << " KiB, opset " << a.opset
            << ", input " << (o.uint8_input ? "uint8" : "float32") << " [" << a.batch << ","
            << c.image_height << "," << c.image_width << ",3], "
            << (o.with_postprocess ? "detection_boxes/scores/classes, num_detections"
                                   : "box_encodings, class_predictions_with_background")
            << ")\n";
}

}  // namespace

TAILOR_COMMAND(
    "export", "Export a detector to ONNX (ONNX Runtime, OpenVINO, TensorRT)", [](CLI::App& cmd) {
      auto a = std::make_shared<ExportArgs>();
      cmd.add_option("--model", a->model,
                     "Tailor checkpoint or .tflite detector (default: the shipped "
                     "clothing tagger)");
      cmd.add_option("--to", a->to, "Output .onnx file")->required();
      cmd.add_option("--labels", a->labels, "Label map (default: the model's)");
      cmd.add_option("--opset", a->opset, "ONNX opset (13..21)")->capture_default_str();
      cmd.add_option("--batch", a->batch, "Batch size, or dynamic")->capture_default_str();
      cmd.add_option("--input", a->input,
                     "float ([-1, 1], preprocessed) or uint8 (0..255, scaled inside)")
          ->capture_default_str();
      cmd.add_flag("--with-postprocess", a->with_postprocess,
                   "Add box decoding and NonMaxSuppression: outputs detection_boxes, "
                   "detection_scores, detection_classes, num_detections");
      cmd.callback([a] { run_export(*a); });
    });
