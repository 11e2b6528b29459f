// `tailor export` checked in ONNX Runtime: the exported raw outputs against Tailor's CPU
// forward, and the post-processed detections against Tailor's, on the two COCO demo images
// and 20 Dataturks product photos (tests/export/ort_parity.py does the ONNX Runtime side).
#include "pipeline/export/onnx_export.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "data/augment.h"
#include "data/image.h"
#include "engine/pixel_scale.h"
#include "models/post_process.h"
#include "models/ssd_inference.h"
#include "pipeline/detect/detect_files.h"
#include "pipeline/detect/detector.h"
#include "pipeline/model_io/load_detector.h"
#include "pipeline/model_io/zoo.h"
#include "runtime/io/atomic_file.h"
#include "tests/support/cli.h"
#include "tests/support/scratch_dir.h"
#include "tests/support/user_error.h"

namespace tailor::pipeline {
namespace {

namespace fs = std::filesystem;

const std::string kShared = TAILOR_SHARED_DIR;

std::string scratch(const std::string& name) {
  return tailor::testing::scratch_dir("export", name);
}

std::vector<std::string> parity_images() {
  std::vector<std::string> images = {kShared + "/images/coco_demo/image1.jpg",
                                     kShared + "/images/coco_demo/image2.jpg"};
  std::vector<std::string> val;
  for (const auto& e : fs::directory_iterator(kShared + "/data/dataturks_val/images"))
    val.push_back(e.path().string());
  std::sort(val.begin(), val.end());
  for (size_t i = 0; i < val.size() && i < 20; ++i) images.push_back(val[i]);
  return images;
}

template <typename T>
void write_raw(const std::string& path, const std::vector<T>& v) {
  io::write_file_atomic(path,
                        std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T)));
}

// Exports `model` both ways, writes Tailor's results for the images, and runs the checker.
// Returns the script's exit status.
int check_in_onnx_runtime(const std::string& model, const std::string& dir, std::string* log) {
  const LoadedDetector detector = load_detector(model);
  OnnxExportOptions raw;
  io::write_file_atomic(dir + "/raw.onnx", export_onnx(detector, raw));
  OnnxExportOptions post;
  post.with_postprocess = true;
  post.uint8_input = true;
  io::write_file_atomic(dir + "/post.onnx", export_onnx(detector, post));

  const models::SsdConfig& c = detector.model->config();
  const int h = c.image_height, w = c.image_width;
  const std::vector<std::string> images = parity_images();
  const int64_t n = static_cast<int64_t>(images.size());
  // The resized pixels rounded to bytes, so the float and the uint8 graph see one image.
  std::vector<uint8_t> u8(size_t(n) * h * w * 3);
  std::vector<float> f32(u8.size());
  for (int64_t i = 0; i < n; ++i) {
    const data::Image img = read_image_file(images[i]);
    std::vector<float> resized(size_t(h) * w * 3);
    data::resize_window_bilinear(img, {0, 0, img.width, img.height, false, img.width}, h, w,
                                 resized.data());
    for (size_t k = 0; k < resized.size(); ++k) {
      u8[i * resized.size() + k] = static_cast<uint8_t>(std::lround(resized[k]));
      f32[i * resized.size() + k] = u8[i * resized.size() + k];
    }
  }
  pixels_to_model_input(f32.data(), static_cast<int64_t>(f32.size()));
  models::SsdInference inference(*detector.model);
  const models::SsdOutput out = inference.run(f32.data(), n);
  const auto& anchors =
      detector.anchors.empty() ? detector.model->anchor_boxes() : detector.anchors;
  const auto dets = models::detect(out, anchors, c.box_coder, c.post_process);
  write_raw(dir + "/input_u8.bin", u8);
  write_raw(dir + "/input_f32.bin", f32);
  write_raw(dir + "/boxes.bin", out.box_encodings.to_vector());
  write_raw(dir + "/logits.bin", out.class_logits.to_vector());
  nlohmann::json meta = {{"model", fs::path(model).filename().string()},
                         {"n", n},
                         {"height", h},
                         {"width", w},
                         {"anchors", out.box_encodings.size(1)},
                         {"columns", out.class_logits.size(2)},
                         {"images", images},
                         {"detections", nlohmann::json::array()}};
  for (const auto& image : dets) {
    nlohmann::json list = nlohmann::json::array();
    for (const models::Detection& d : image)
      list.push_back(
          {{"class", d.class_id}, {"score", d.score}, {"box", {d.ymin, d.xmin, d.ymax, d.xmax}}});
    meta["detections"].push_back(list);
  }
  io::write_file_atomic(dir + "/tailor.json", meta.dump());
  const std::string cmd = std::string(TAILOR_PYTHON) + " " + TAILOR_SOURCE_DIR +
                          "/tests/export/ort_parity.py " + dir + " > " + dir + "/parity.log 2>&1";
  const int status = testing::exit_code_of(std::system(cmd.c_str()));
  *log = testing::slurp(dir + "/parity.log");
  return status;
}

void expect_parity(const std::string& model, const std::string& name) {
  std::string log;
  const int status = check_in_onnx_runtime(model, scratch(name), &log);
  if (status == 77) GTEST_SKIP() << log;
  EXPECT_EQ(status, 0) << log;
  std::cout << log;
}

TEST(OnnxExport, TfliteDetectorMatchesInOnnxRuntime) {
  expect_parity(kShared + "/weights/ssd_mobilenet_v1_0.75_quant_coco/detect.tflite", "tflite");
}

// The shipped clothing tagger (300x400 input, 9 classes): what `tailor export` gives by default.
TEST(OnnxExport, ZooTaggerMatchesInOnnxRuntime) {
  expect_parity(zoo_model_path(), "zoo");
}

TEST(OnnxExport, BadInputIsAClearError) {
  const std::string dir = scratch("errors");
  io::write_file_atomic(dir + "/junk.safetensors", "not a checkpoint");
  EXPECT_EQ(
      testing::run_tailor("export --model " + dir + "/junk.safetensors --to " + dir + "/x.onnx",
                          dir + "/junk.log"),
      1);
  EXPECT_NE(testing::slurp(dir + "/junk.log").find("junk.safetensors"), std::string::npos)
      << testing::slurp(dir + "/junk.log");
  EXPECT_FALSE(fs::exists(dir + "/x.onnx"));
  EXPECT_EQ(testing::run_tailor("export --model " + kShared +
                                    "/weights/ssd_mobilenet_v1_0.75_quant_coco/detect.tflite"
                                    " --to " +
                                    dir + "/x.onnx --opset 9",
                                dir + "/opset.log"),
            2);
  EXPECT_NE(testing::slurp(dir + "/opset.log").find("--opset must be in [13, 21]"),
            std::string::npos);
}

}  // namespace
}  // namespace tailor::pipeline
