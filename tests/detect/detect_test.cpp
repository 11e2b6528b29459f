#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "data/jpeg_encode.h"
#include "pipeline/detect/detect_files.h"
#include "pipeline/detect/detection_json.h"
#include "pipeline/detect/detector.h"
#include "pipeline/detect/draw_detections.h"
#include "runtime/error.h"
#include "runtime/io/atomic_file.h"
#include "tests/support/scratch_dir.h"

namespace tailor::pipeline {
namespace {

const std::string kWeights =
    std::string(TAILOR_SHARED_DIR) + "/weights/ssd_mobilenet_v1_0.75_quant_coco";
const std::string kImages = std::string(TAILOR_SHARED_DIR) + "/images/coco_demo";

std::string scratch(const std::string& name) {
  return tailor::testing::scratch_dir("detect", name);
}

// One detector for the whole suite: loading the model is the slow part.
Detector& coco_detector() {
  static Detector* d = [] {
    LoadDetectorOptions load;
    load.labels_path = kWeights + "/mscoco_label_map.pbtxt";
    return new Detector(load_detector(kWeights + "/detect.tflite", load), DetectorOptions{});
  }();
  return *d;
}

const std::vector<DetectedImage>& demo_results() {
  static const std::vector<DetectedImage> r =
      coco_detector().detect_files({kImages + "/image1.jpg", kImages + "/image2.jpg"});
  return r;
}

int count(const DetectedImage& r, const std::string& name) {
  int n = 0;
  for (const PixelDetection& d : r.detections) n += d.class_name == name;
  return n;
}

TEST(Detect, FindsTheTwoDogs) {
  const DetectedImage& r = demo_results()[0];
  EXPECT_EQ(r.width, 1024);
  EXPECT_EQ(r.height, 636);
  std::vector<const PixelDetection*> dogs;
  for (const PixelDetection& d : r.detections)
    if (d.class_name == "dog") dogs.push_back(&d);
  ASSERT_EQ(dogs.size(), 2u);
  for (const PixelDetection* d : dogs) {
    EXPECT_EQ(d->class_id, 18);  // COCO id of dog: model output column 17 + 1
    EXPECT_GT(d->score, 0.5f);
    EXPECT_GT(d->ymax - d->ymin, 400.f);  // both dogs fill most of the height
  }
  // One on the left, one on the right of the photo.
  const float c0 = (dogs[0]->xmin + dogs[0]->xmax) / 2, c1 = (dogs[1]->xmin + dogs[1]->xmax) / 2;
  EXPECT_LT(std::min(c0, c1), 300.f);
  EXPECT_GT(std::max(c0, c1), 550.f);
}

TEST(Detect, FindsPeopleAndKites) {
  const DetectedImage& r = demo_results()[1];
  EXPECT_EQ(r.width, 1352);
  EXPECT_EQ(r.height, 900);
  EXPECT_GE(count(r, "person"), 3);
  EXPECT_GE(count(r, "kite"), 2);
  for (const PixelDetection& d : r.detections) {
    EXPECT_GE(d.score, 0.5f);
    EXPECT_GE(d.xmin, 0.f);
    EXPECT_LE(d.xmax, 1352.f);
    EXPECT_LT(d.xmin, d.xmax);
    EXPECT_LT(d.ymin, d.ymax);
  }
}

TEST(Detect, JsonSchema) {
  const DetectedImage& r = demo_results()[1];
  const nlohmann::json j = nlohmann::json::parse(detection_json(r));
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j.size(), 4u);
  EXPECT_EQ(j.at("image"), kImages + "/image2.jpg");
  EXPECT_EQ(j.at("width"), 1352);
  EXPECT_EQ(j.at("height"), 900);
  const auto& dets = j.at("detections");
  ASSERT_TRUE(dets.is_array());
  ASSERT_EQ(dets.size(), r.detections.size());
  double last = 2;
  for (const auto& d : dets) {
    EXPECT_EQ(d.size(), 4u);
    EXPECT_TRUE(d.at("class_id").is_number_integer());
    EXPECT_TRUE(d.at("class").is_string());
    EXPECT_TRUE(d.at("score").is_number_float());
    ASSERT_TRUE(d.at("box").is_array());
    ASSERT_EQ(d.at("box").size(), 4u);
    EXPECT_LE(d.at("score").get<double>(), last);  // sorted by score
    last = d.at("score").get<double>();
    EXPECT_LT(d.at("box")[0].get<double>(), d.at("box")[2].get<double>());  // xmin < xmax
    EXPECT_LT(d.at("box")[1].get<double>(), d.at("box")[3].get<double>());  // ymin < ymax
  }
  EXPECT_NEAR(dets[0].at("score").get<double>(), r.detections[0].score, 1e-6);
  EXPECT_NEAR(dets[0].at("box")[2].get<double>(), r.detections[0].xmax, 0.01);
}

TEST(Detect, LabelmapTxtNamesTheSameClasses) {
  LoadDetectorOptions load;
  load.labels_path = kWeights + "/labelmap.txt";
  LoadedDetector loaded = load_detector(kWeights + "/detect.tflite", load);
  for (int id : {1, 18, 38, 90})
    EXPECT_EQ(loaded.labels.name_of(id), coco_detector().class_name(id)) << id;
  EXPECT_EQ(loaded.labels.name_of(18), "dog");
}

TEST(Detect, ThresholdAndBatchesGiveTheSameDetections) {
  LoadDetectorOptions load;
  load.labels_path = kWeights + "/mscoco_label_map.pbtxt";
  DetectorOptions opt;
  opt.batch_size = 2;
  opt.score_threshold = 0.6f;
  Detector batched(load_detector(kWeights + "/detect.tflite", load), opt);
  DetectStageTimes times;
  int calls = 0;
  const auto r = batched.detect_files({kImages + "/image1.jpg", kImages + "/image2.jpg"}, &times,
                                      [&](const DetectedImage&, data::Image&) { ++calls; });
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(times.images, 2);
  EXPECT_GT(times.model_s, 0.0);
  EXPECT_GT(times.decode_s, 0.0);
  for (size_t i = 0; i < 2; ++i) {
    std::vector<const PixelDetection*> expect;
    for (const PixelDetection& d : demo_results()[i].detections)
      if (d.score >= 0.6f) expect.push_back(&d);
    ASSERT_EQ(r[i].detections.size(), expect.size()) << i;
    for (size_t k = 0; k < expect.size(); ++k) {
      EXPECT_EQ(r[i].detections[k].class_id, expect[k]->class_id);
      EXPECT_NEAR(r[i].detections[k].score, expect[k]->score, 1e-5);
      EXPECT_NEAR(r[i].detections[k].xmin, expect[k]->xmin, 0.05);
    }
  }
}

TEST(Detect, UnreadableImageNamesTheFile) {
  const std::string dir = scratch("unreadable");
  const std::string bad = dir + "/broken.jpg";
  io::write_file_atomic(bad, std::string("\xFF\xD8\xFF\xE0 not really a jpeg"));
  try {
    coco_detector().detect_files({bad});
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
  }
  EXPECT_THROW(coco_detector().detect_files({dir + "/absent.jpg"}), UserError);
}

TEST(Detect, CudaWithoutAGpuIsAClearError) {
  if (cuda_available()) GTEST_SKIP() << "a GPU is present";
  LoadedDetector loaded;
  loaded.model = std::make_unique<models::SsdModel>(models::SsdConfig{});
  DetectorOptions opt;
  opt.device = Device::cuda();
  try {
    Detector d(std::move(loaded), opt);
    FAIL();
  } catch (const DeviceError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("no CUDA device: ", 0), 0u) << e.what();
  }
}

TEST(DetectFiles, FoldersAreScannedSortedForImages) {
  const std::string dir = scratch("folder");
  for (const char* name : {"b.JPG", "a.png", "c.jpeg", "notes.txt", "d.gif"})
    std::ofstream(dir + "/" + name) << "x";
  std::filesystem::create_directories(dir + "/sub.jpg");  // a folder, not an image
  const auto paths = collect_image_paths({dir, kImages + "/image1.jpg"});
  ASSERT_EQ(paths.size(), 4u);
  EXPECT_EQ(paths[0], dir + "/a.png");
  EXPECT_EQ(paths[1], dir + "/b.JPG");
  EXPECT_EQ(paths[2], dir + "/c.jpeg");
  EXPECT_EQ(paths[3], kImages + "/image1.jpg");
  EXPECT_THROW(collect_image_paths({dir + "/missing"}), UserError);
  EXPECT_THROW(collect_image_paths({dir + "/sub.jpg"}), UserError);  // no images inside
}

TEST(DetectFiles, RepeatedStemsDoNotOverwrite) {
  EXPECT_EQ(unique_output_stems({"a/x.jpg", "b/x.png", "y.jpg", "c/x.jpeg"}),
            (std::vector<std::string>{"x", "x_2", "y", "x_3"}));
}

TEST(DrawDetections, BoxAndLabelBarInTheClassColor) {
  data::Image img;
  img.width = 200, img.height = 100;
  img.pixels.assign(200 * 100 * 3, 0);
  PixelDetection d{18, "dog", 0.9f, 50.f, 40.f, 150.f, 90.f};
  draw_detections(&img, {d});
  uint8_t c[3];
  class_color(18, c);
  auto px = [&](int x, int y) { return img.row(y) + x * 3; };
  EXPECT_EQ(px(100, 90)[0], c[0]);  // bottom edge
  EXPECT_EQ(px(50, 60)[1], c[1]);   // left edge
  EXPECT_EQ(px(100, 65)[0], 0);     // inside stays untouched
  EXPECT_EQ(px(50, 35)[2], c[2]);   // label bar above the box (its padding column)
  // Encoded and decoded again: same size, colors survive within JPEG error.
  const data::Image back = data::decode_image(data::encode_jpeg(img, 95), "drawn");
  EXPECT_EQ(back.width, 200);
  EXPECT_EQ(back.height, 100);
  EXPECT_NEAR(back.row(60)[50 * 3 + 1], c[1], 40);
}

}  // namespace
}  // namespace tailor::pipeline
