// The evaluator: per-image records (pixel sizes, label ids), per-source and overall
// aggregation on hand-made detections, and whole runs of evaluate() on real myntra photos with
// a small model, one of them rigged so that its top-1 figures are known in advance.
#include "pipeline/eval/evaluator.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "data/dataset_io.h"
#include "pipeline/eval/coco_json.h"
#include "runtime/error.h"
#include "tests/support/scratch_dir.h"

namespace tailor::pipeline {
namespace {

namespace fs = std::filesystem;

std::string scratch(const std::string& name) {
  return tailor::testing::scratch_dir("eval", name);
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

data::LabelMap clothing_labels() {
  return data::LabelMap::load(std::string(TAILOR_SHARED_DIR) + "/data/label_map.pbtxt");
}

double scalar(const Scalars& s, const std::string& tag) {
  for (const auto& [t, v] : s)
    if (t == tag) return v;
  ADD_FAILURE() << "no scalar " << tag;
  return NAN;
}

bool has_scalar(const Scalars& s, const std::string& tag) {
  for (const auto& [t, v] : s)
    if (t == tag) return true;
  return false;
}

TEST(Evaluator, ImageRecordNormalizesPixelBoxesAndResolvesLabels) {
  data::Example ex;
  ex.image_path = "/x/photo_7.jpg";
  ex.source = "a.xml";
  ex.width = 200, ex.height = 100;
  ex.boxes.push_back({20, 10, 120, 60, "shoes", 0});  // id from the map, case-insensitively
  ex.boxes.push_back({0, 0, 200, 100, "Jeans", 2});
  const data::LabelMap labels = clothing_labels();
  const ImageDetections img =
      image_detections(ex, 200, 100, labels, {{4, 0.75f, 0.1f, 0.1f, 0.6f, 0.6f}});
  EXPECT_EQ(img.image_id, "photo_7");
  ASSERT_EQ(img.groundtruth.size(), 2u);
  EXPECT_EQ(img.groundtruth[0].label, 4);
  EXPECT_FLOAT_EQ(img.groundtruth[0].box.ymin, 0.1f);
  EXPECT_FLOAT_EQ(img.groundtruth[0].box.xmin, 0.1f);
  EXPECT_FLOAT_EQ(img.groundtruth[0].box.ymax, 0.6f);
  EXPECT_FLOAT_EQ(img.groundtruth[0].box.xmax, 0.6f);
  EXPECT_EQ(img.groundtruth[1].label, 2);
  ASSERT_EQ(img.detections.size(), 1u);
  EXPECT_EQ(img.detections[0].label, 4);
  EXPECT_FLOAT_EQ(img.detections[0].score, 0.75f);
  // The COCO results file gives the detection in pixels: x 0.1*200, y 0.1*100, w 100, h 50.
  const auto j = nlohmann::json::parse(coco_detections_json({img}));
  ASSERT_EQ(j.size(), 1u);
  EXPECT_NEAR(j[0]["bbox"][0].get<double>(), 20, 1e-4);
  EXPECT_NEAR(j[0]["bbox"][1].get<double>(), 10, 1e-4);
  EXPECT_NEAR(j[0]["bbox"][2].get<double>(), 100, 1e-4);
  EXPECT_NEAR(j[0]["bbox"][3].get<double>(), 50, 1e-4);

  ex.boxes.push_back({0, 0, 1, 1, "Hats", 0});
  try {
    image_detections(ex, 200, 100, labels, {});
    FAIL() << "an unknown class must be an error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("a.xml: object 3: class 'Hats'"), std::string::npos)
        << e.what();
  }
}

TEST(Evaluator, SizeComesFromTheImageHeaderWhenTheAnnotationLacksIt) {
  data::ReadOptions ro;
  ro.splits = {"test"};
  data::Dataset ds =
      data::read_dataset(data::Format::kVoc, std::string(TAILOR_SHARED_DIR) + "/data/myntra", ro);
  ASSERT_FALSE(ds.empty());
  data::Example ex = ds.front();
  const int w0 = ex.width, h0 = ex.height;
  ASSERT_GT(w0, 0);
  ex.width = ex.height = 0;
  int w = 0, h = 0;
  example_size(ex, {}, &w, &h);
  EXPECT_EQ(w, w0);
  EXPECT_EQ(h, h0);
}

TEST(Evaluator, SourceSlugs) {
  EXPECT_EQ(source_slug("../shared/data/ccp:test"), "ccp_test");
  EXPECT_EQ(source_slug("ccp:train,val"), "ccp_train_val");
  EXPECT_EQ(source_slug("data/train.record"), "train.record");
  EXPECT_EQ(source_slug("dir/"), "dir");
  EXPECT_EQ(source_slug(".."), "source");
  EXPECT_EQ(source_slug(""), "source");
}

ImageDetections one_box_image(int label, int det_label, float score) {
  ImageDetections img;
  img.image_id = "img";
  img.width = 100, img.height = 100;
  img.groundtruth.push_back({{0.1f, 0.1f, 0.5f, 0.5f}, label});
  img.detections.push_back({{0.1f, 0.1f, 0.5f, 0.5f}, det_label, score});
  return img;
}

TEST(Evaluator, SummarizesEachSourceAndAllTogether) {
  // Source a: class 1 found exactly (.9). Source b: a class-2 object tagged as class 1 (.8).
  // A third source repeats a under a name with the same slug; a fourth, empty, is named "all".
  //   a: VOC AP class 1 = 1, mAP 1; COCO AP 1; top-1 1.
  //   b: class 2 has ground truth but no detection: AP 0; class 1 has none: NaN, left out;
  //      mAP 0; top-1 0.
  //   all: class 1 ranks TP .9, TP .9, FP .8: precision 1, 1, 2/3 at recall 1/2, 1, 1: AP 1;
  //      class 2: 0; mAP 1/2, COCO AP 1/2; top-1 2/3 with confidences .9, .8, .9 (median .9).
  EvalResult r;
  r.sources.push_back({"../data/a:test", "", {one_box_image(1, 1, .9f)}, {}});
  r.sources.push_back({"b:test", "", {one_box_image(2, 1, .8f)}, {}});
  r.sources.push_back({"elsewhere/a:test", "", {one_box_image(1, 1, .9f)}, {}});
  r.sources.push_back({"all", "", {}, {}});
  summarize(&r, 3, {Metric::kVocAp, Metric::kCocoAp, Metric::kTop1});
  EXPECT_EQ(r.class_names, (std::vector<std::string>{"class 1", "class 2", "class 3"}));
  EXPECT_EQ(r.sources[0].slug, "a_test");
  EXPECT_EQ(r.sources[1].slug, "b_test");
  EXPECT_EQ(r.sources[2].slug, "a_test_2");
  EXPECT_EQ(r.sources[3].slug, "all_2");
  EXPECT_EQ(r.overall.images.size(), 3u);

  EXPECT_DOUBLE_EQ(r.sources[0].metrics.voc->mean_ap, 1.0);
  EXPECT_DOUBLE_EQ(r.sources[1].metrics.voc->mean_ap, 0.0);
  EXPECT_TRUE(std::isnan(r.sources[1].metrics.voc->ap_per_class[0]));
  EXPECT_DOUBLE_EQ(r.sources[0].metrics.top1->accuracy, 1.0);
  EXPECT_DOUBLE_EQ(r.sources[1].metrics.top1->accuracy, 0.0);
  EXPECT_DOUBLE_EQ(r.overall.metrics.voc->mean_ap, 0.5);
  EXPECT_DOUBLE_EQ(r.overall.metrics.coco->ap, 0.5);
  EXPECT_NEAR(r.overall.metrics.top1->accuracy, 2.0 / 3, 1e-12);
  EXPECT_NEAR(r.overall.metrics.top1->median_confidence, .9f, 1e-7);
  EXPECT_NEAR(r.overall.metrics.top1->min_confidence, .8f, 1e-7);

  EXPECT_DOUBLE_EQ(scalar(r.scalars, "eval/all/mAP@0.5"), 0.5);
  EXPECT_DOUBLE_EQ(scalar(r.scalars, "eval/all/AP@0.5/class_1"), 1.0);
  EXPECT_DOUBLE_EQ(scalar(r.scalars, "eval/all/coco_AP50"), 0.5);
  EXPECT_DOUBLE_EQ(scalar(r.scalars, "eval/a_test/top1"), 1.0);
  EXPECT_DOUBLE_EQ(scalar(r.scalars, "eval/b_test/mAP@0.5"), 0.0);
  EXPECT_NEAR(scalar(r.scalars, "eval/b_test/top1_confidence_max"), .8f, 1e-7);
  // Class 3 has no ground truth anywhere: no AP scalar rather than a NaN.
  EXPECT_FALSE(has_scalar(r.scalars, "eval/all/AP@0.5/class_3"));
  // The empty source has no figures at all (no single-object image, no ground truth).
  EXPECT_FALSE(has_scalar(r.scalars, "eval/all_2/mAP@0.5"));
  EXPECT_FALSE(has_scalar(r.scalars, "eval/all_2/top1"));
  EXPECT_FALSE(has_scalar(r.scalars, "eval/all_2/coco_AP"));

  const auto j = nlohmann::json::parse(eval_metrics_json(r, {}));
  EXPECT_EQ(j["all"]["voc"]["mAP@0.5"].get<double>(), 0.5);
  EXPECT_TRUE(j["sources"][1]["voc"]["AP@0.5"]["class 1"].is_null());
  EXPECT_TRUE(j["sources"][3]["top1"]["accuracy"].is_null());
  EXPECT_EQ(j["sources"][2]["slug"], "a_test_2");
  EXPECT_EQ(j["scalars"]["eval/all/mAP@0.5"].get<double>(), 0.5);
  // b's one wrong tag, with names and scores; a has none.
  ASSERT_EQ(j["sources"][1]["top1"]["wrong"].size(), 1u);
  const auto& wrong = j["sources"][1]["top1"]["wrong"][0];
  EXPECT_EQ(wrong["image_id"], "img");
  EXPECT_EQ(wrong["label"], "class 2");
  EXPECT_EQ(wrong["predicted"], "class 1");
  EXPECT_FLOAT_EQ(wrong["score"].get<float>(), .8f);
  EXPECT_EQ(wrong["label_score"].get<double>(), 0.0);
  EXPECT_TRUE(j["sources"][0]["top1"]["wrong"].empty());
  EXPECT_EQ(j["all"]["top1"]["wrong"].size(), 1u);

  const std::string report = format_eval_report(r);
  EXPECT_NE(report.find("== b:test: 1 images =="), std::string::npos) << report;
  EXPECT_NE(report.find("== all: 3 images =="), std::string::npos) << report;
  // Listed once, under its source, not again under the union.
  const size_t at = report.find("  wrong: img is class 2, top class 1 0.8000 (class 2 0.0000)\n");
  EXPECT_NE(at, std::string::npos) << report;
  EXPECT_EQ(report.find("wrong:", at + 3), std::string::npos) << report;
}

TEST(Evaluator, ImageLevelImagesCountForTopOneButNotForAp) {
  // A box source with one exact find, and a catalogue of two tagged photos: one right, one
  // called class 1 with a large detection that AP would count as a false positive.
  ImageDetections right, wrong;
  right.image_id = "cat_a", right.image_label = 2;
  right.detections = {{{0, 0, 1, 1}, 2, .7f}};
  wrong.image_id = "cat_b", wrong.image_label = 2;
  wrong.detections = {{{0, 0, 1, 1}, 1, .95f}};
  EvalResult r;
  r.sources.push_back({"boxes", "", {one_box_image(1, 1, .9f)}, {}});
  r.sources.push_back({"catalog:val", "", {right, wrong}, {}});
  summarize(&r, 2, {Metric::kVocAp, Metric::kCocoAp, Metric::kTop1});
  EXPECT_FALSE(r.sources[1].metrics.voc.has_value());  // no boxes: no AP at all
  EXPECT_FALSE(has_scalar(r.scalars, "eval/catalog_val/mAP@0.5"));
  EXPECT_DOUBLE_EQ(scalar(r.scalars, "eval/catalog_val/top1"), 0.5);
  EXPECT_DOUBLE_EQ(r.overall.metrics.voc->mean_ap, 1.0);  // cat_b's .95 is no false positive
  EXPECT_NEAR(r.overall.metrics.top1->accuracy, 2.0 / 3, 1e-12);
  const std::string report = format_eval_report(r);
  EXPECT_NE(report.find("top-1 confusion matrix:\n"), std::string::npos) << report;
  EXPECT_EQ(report.find("top-1 confusion matrix:\n"), report.rfind("top-1 confusion matrix:\n"))
      << "only the image-level source has one";
  EXPECT_NE(report.find("  wrong: cat_b is class 2, top class 1 0.9500"), std::string::npos);
}

TEST(Evaluator, OnlyTheAskedMetrics) {
  EvalResult r;
  r.sources.push_back({"a", "", {one_box_image(1, 1, .9f)}, {}});
  summarize(&r, 2, {Metric::kTop1});
  EXPECT_FALSE(r.sources[0].metrics.voc.has_value());
  EXPECT_FALSE(r.overall.metrics.coco.has_value());
  EXPECT_TRUE(r.overall.metrics.top1.has_value());
  EXPECT_FALSE(has_scalar(r.scalars, "eval/all/mAP@0.5"));
  EXPECT_TRUE(has_scalar(r.scalars, "eval/all/top1"));
}

models::SsdConfig small_config() {
  models::SsdConfig c;
  c.num_classes = 9;
  c.image_height = 64;
  c.image_width = 64;
  c.depth_multiplier = 0.25f;
  c.init_seed = 5;
  return c;
}

std::vector<NamedDataset> myntra_test(const data::LabelMap& labels) {
  data::ReadOptions ro;
  ro.labels = &labels;
  ro.splits = {"test"};
  return {{"myntra:test", data::read_dataset(data::Format::kVoc,
                                             std::string(TAILOR_SHARED_DIR) + "/data/myntra", ro)}};
}

// Every box predictor weight zero: each anchor's box is the anchor itself and its class
// logits are the biases, `favored` at +2 and every other class at -10. So every top detection
// is class `favored` with score sigmoid(2).
void rig_predictions(models::SsdModel& model, int favored) {
  const int columns = model.config().num_classes + 1;
  for (Parameter& p : model.params().all()) {
    const bool cls = p.name.find("ClassPredictor") != std::string::npos;
    const bool box = p.name.find("BoxEncodingPredictor") != std::string::npos;
    if (!cls && !box) continue;
    std::vector<float> v(p.value.numel(), 0.f);
    if (cls && p.name.find("biases") != std::string::npos)
      for (size_t i = 0; i < v.size(); ++i) v[i] = int(i % columns) == favored ? 2.f : -10.f;
    p.value.copy_from(Tensor::from_vector(v, p.value.shape()));
  }
}

TEST(Evaluator, RiggedModelGivesKnownTopOneFigures) {
  const data::LabelMap labels = clothing_labels();
  std::vector<NamedDataset> sources = myntra_test(labels);
  // Two sources: the first 5 test images, and the next 3 under another name.
  sources.push_back(
      {"rest", data::Dataset(sources[0].examples.begin() + 5, sources[0].examples.begin() + 8)});
  sources[0].examples.resize(5);
  const int favored = sources[0].examples[0].boxes.at(0).label_id;
  auto expected_top1 = [&](const data::Dataset& ds, int* n) {
    int single = 0, hit = 0;
    for (const data::Example& ex : ds)
      if (ex.boxes.size() == 1) ++single, hit += ex.boxes[0].label_id == favored;
    *n = single;
    return double(hit) / single;
  };
  int n0 = 0, n1 = 0;
  const double top1_a = expected_top1(sources[0].examples, &n0);
  const double top1_b = expected_top1(sources[1].examples, &n1);
  ASSERT_GT(n0, 0);
  ASSERT_GT(n1, 0);

  models::SsdModel model(small_config());
  rig_predictions(model, favored);
  EvalOptions opts;
  opts.batch_size = 2;  // 5 = 2 + 2 + 1: a partial last batch
  opts.threads = 2;
  opts.progress = false;
  opts.output_dir = scratch("rigged");
  const EvalResult r = evaluate(model, labels, sources, opts);
  ASSERT_EQ(r.sources.size(), 2u);
  EXPECT_EQ(r.sources[0].images.size(), 5u);
  EXPECT_EQ(r.sources[1].images.size(), 3u);
  const double s = 1.0 / (1.0 + std::exp(-2.0));
  EXPECT_DOUBLE_EQ(r.sources[0].metrics.top1->accuracy, top1_a);
  EXPECT_DOUBLE_EQ(r.sources[1].metrics.top1->accuracy, top1_b);
  EXPECT_NEAR(r.overall.metrics.top1->accuracy, (top1_a * n0 + top1_b * n1) / (n0 + n1), 1e-12);
  EXPECT_NEAR(r.overall.metrics.top1->min_confidence, s, 1e-6);
  EXPECT_NEAR(r.overall.metrics.top1->max_confidence, s, 1e-6);
  for (const SourceEval& src : r.sources)
    for (const ImageDetections& img : src.images) {
      ASSERT_FALSE(img.detections.empty());
      EXPECT_EQ(img.detections[0].label, favored);
    }
  // The ground truth file holds the annotation's pixel boxes.
  const data::Example& ex0 = sources[0].examples[0];
  const auto gt = read_json(opts.output_dir + "/groundtruth_myntra_test.json");
  EXPECT_EQ(gt["images"][0]["width"].get<int>(), ex0.width);
  EXPECT_NEAR(gt["annotations"][0]["bbox"][0].get<double>(), ex0.boxes[0].xmin, 1e-3);
  EXPECT_NEAR(gt["annotations"][0]["bbox"][1].get<double>(), ex0.boxes[0].ymin, 1e-3);
  EXPECT_NEAR(gt["annotations"][0]["bbox"][2].get<double>(), ex0.boxes[0].xmax - ex0.boxes[0].xmin,
              1e-3);
}

TEST(Evaluator, EndToEndOnRealPhotosWritesParsableFiles) {
  const data::LabelMap labels = clothing_labels();
  const std::vector<NamedDataset> sources = myntra_test(labels);
  models::SsdModel model(small_config());
  EvalOptions opts;
  opts.batch_size = 3;
  opts.threads = 2;
  opts.max_images = 4;
  opts.progress = false;
  opts.output_dir = scratch("end_to_end");
  opts.step = 12;
  opts.checkpoint = "ckpt-12.safetensors";
  const EvalResult r = evaluate(model, labels, sources, opts);
  ASSERT_FALSE(r.interrupted);
  ASSERT_EQ(r.sources[0].images.size(), 4u);
  for (const auto& [tag, v] : r.scalars) EXPECT_TRUE(std::isfinite(v)) << tag;
  const EvalMetrics& m = r.overall.metrics;
  EXPECT_GE(m.voc->mean_ap, 0.0);
  EXPECT_LE(m.voc->mean_ap, 1.0);
  EXPECT_GE(m.coco->ap, 0.0);
  EXPECT_LE(m.coco->ap50, 1.0);
  EXPECT_GE(m.top1->accuracy, 0.0);
  EXPECT_LE(m.top1->accuracy, 1.0);

  const auto dets = read_json(opts.output_dir + "/detections_myntra_test.json");
  ASSERT_TRUE(dets.is_array());
  size_t expected = 0;
  for (const ImageDetections& img : r.sources[0].images) expected += img.detections.size();
  EXPECT_EQ(dets.size(), expected);
  ASSERT_GT(dets.size(), 0u);
  const int w = sources[0].examples[dets[0]["image_id"].get<int>() - 1].width;
  for (const auto& d : dets) {
    const double x = d["bbox"][0], bw = d["bbox"][2], score = d["score"];
    EXPECT_TRUE(std::isfinite(x) && std::isfinite(bw));
    EXPECT_GE(score, 0.0);
    EXPECT_LE(score, 1.0);
    if (d["image_id"] == dets[0]["image_id"]) EXPECT_LE(x + bw, w + 1e-3);
  }
  const auto metrics = read_json(opts.output_dir + "/metrics.json");
  EXPECT_EQ(metrics["step"], 12);
  EXPECT_EQ(metrics["checkpoint"], "ckpt-12.safetensors");
  EXPECT_EQ(metrics["all"]["num_images"], 4);
  EXPECT_EQ(metrics["classes"][0], "Jackets");
  std::ifstream table(opts.output_dir + "/class_table.txt");
  std::string first;
  std::getline(table, first);
  EXPECT_EQ(first, "== myntra:test: 4 images ==");

  // Batching does not change what the model sees: batch size 4 gives the same detections.
  opts.batch_size = 4;
  opts.output_dir.clear();
  const EvalResult again = evaluate(model, labels, sources, opts);
  ASSERT_EQ(again.sources[0].images.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    const auto& a = r.sources[0].images[i].detections;
    const auto& b = again.sources[0].images[i].detections;
    ASSERT_EQ(a.size(), b.size());
    for (size_t k = 0; k < a.size(); ++k) {
      EXPECT_EQ(a[k].label, b[k].label);
      EXPECT_NEAR(a[k].score, b[k].score, 1e-5);
    }
  }
}

TEST(Evaluator, StopFlagEndsEarlyWithoutFiles) {
  const data::LabelMap labels = clothing_labels();
  models::SsdModel model(small_config());
  std::atomic<bool> stop{true};
  EvalOptions opts;
  opts.max_images = 2;
  opts.progress = false;
  opts.output_dir = scratch("stopped");
  opts.stop = &stop;
  const EvalResult r = evaluate(model, labels, myntra_test(labels), opts);
  EXPECT_TRUE(r.interrupted);
  EXPECT_TRUE(fs::is_empty(opts.output_dir));
}

TEST(Evaluator, LabelMapLargerThanTheModelIsAnError) {
  models::SsdConfig c = small_config();
  c.num_classes = 3;
  models::SsdModel model(c);
  const data::LabelMap labels = clothing_labels();
  EvalOptions opts;
  opts.progress = false;
  EXPECT_THROW(evaluate(model, labels, myntra_test(labels), opts), UserError);
}

}  // namespace
}  // namespace tailor::pipeline
