// Evaluation metrics on small cases worked out by hand (the arithmetic is in the comments).
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "pipeline/eval/class_table.h"
#include "pipeline/eval/coco_ap.h"
#include "pipeline/eval/coco_json.h"
#include "pipeline/eval/pascal_voc_ap.h"
#include "pipeline/eval/top1_accuracy.h"

namespace tailor::pipeline {
namespace {

models::BoxCorners B(float ymin, float xmin, float ymax, float xmax) {
  return {ymin, xmin, ymax, xmax};
}

ImageDetections image(std::vector<GroundTruthBox> gt, std::vector<DetectionBox> det) {
  ImageDetections img;
  img.groundtruth = std::move(gt);
  img.detections = std::move(det);
  return img;
}

TEST(PascalVocAp, DuplicateAndMissedBoxes) {
  // Class 1 has 3 ground-truth boxes over two images. Ranked detections:
  //   .9 TP, .8 FP (duplicate of the same box), .7 TP, .6 FP (overlaps nothing).
  //   precision 1, 1/2, 2/3, 1/2; recall 1/3, 1/3, 2/3, 2/3.
  //   Envelope at the recall steps: 1 up to 1/3, 2/3 up to 2/3, 0 after.
  //   AP = 1/3 * 1 + 1/3 * 2/3 = 5/9.
  // Class 2 has one box and no detection: AP 0. Class 3 has no box: NaN, left out of the mean.
  // mAP = (5/9 + 0) / 2 = 5/18.
  std::vector<ImageDetections> images = {
      image({{B(0, 0, .5, .5), 1}, {B(.5, 0, 1, .5), 2}},
            {{B(0, 0, .5, .5), 1, .9f}, {B(0, 0, .5, .5), 1, .8f}, {B(0, 0, .5, .5), 3, .5f}}),
      image({{B(.5, .5, 1, 1), 1}, {B(0, .5, .5, 1), 1}},
            {{B(.5, .5, 1, 1), 1, .7f}, {B(0, 0, .2, .2), 1, .6f}}),
  };
  const VocApResult r = pascal_voc_ap(images, 3);
  EXPECT_NEAR(r.ap_per_class[0], 5.0 / 9, 1e-12);
  EXPECT_EQ(r.ap_per_class[1], 0.0);
  EXPECT_TRUE(std::isnan(r.ap_per_class[2]));
  EXPECT_NEAR(r.mean_ap, 5.0 / 18, 1e-12);
  EXPECT_EQ(r.num_groundtruth, (std::vector<int>{3, 1, 0}));
}

TEST(PascalVocAp, IouThresholdIsInclusive) {
  // IoU = 0.5 / 1 exactly -> TP (>= 0.5); IoU 0.49 -> FP. One box, one detection each: AP 1, 0.
  EXPECT_EQ(pascal_voc_ap({image({{B(0, 0, 1, 1), 1}}, {{B(0, 0, .5f, 1), 1, .9f}})}, 1).mean_ap,
            1.0);
  EXPECT_EQ(pascal_voc_ap({image({{B(0, 0, 1, 1), 1}}, {{B(0, 0, .49f, 1), 1, .9f}})}, 1).mean_ap,
            0.0);
}

TEST(PascalVocAp, TakenBoxIsNotStolenByArgmax) {
  // G1 = x 0..10, G2 = x 2..12. d1 (.9) is G1 exactly. d2 (.8) = x .5..10.5: IoU with G1
  // 95/105 = .905, with G2 85/115 = .739. TF's per-image evaluation takes the argmax box, G1,
  // which is taken: FP. precision 1, 1/2; recall 1/2, 1/2 -> AP = 1/2.
  std::vector<ImageDetections> images = {
      image({{B(0, 0, 10, 10), 1}, {B(0, 2, 10, 12), 1}},
            {{B(0, 0, 10, 10), 1, .9f}, {B(0, .5, 10, 10.5), 1, .8f}})};
  EXPECT_NEAR(pascal_voc_ap(images, 1).mean_ap, 0.5, 1e-12);
  // pycocotools instead gives d2 the best *unmatched* box, G2, when its IoU (.739) clears the
  // threshold: thresholds .50-.70 (5 of 10) see TP, TP -> precision 1 at all 101 recall points;
  // .75-.95 see TP, FP -> recall .5 reached with precision 1, so points 0, .01, ..., .50 (51)
  // read 1 and the other 50 read 0.
  //   AP = (5 * 1 + 5 * 51/101) / 10 = 760/1010; AP50 = 1; AP75 = 51/101.
  const CocoApResult c = coco_ap(images, 1);
  EXPECT_NEAR(c.ap, 760.0 / 1010, 1e-12);
  EXPECT_NEAR(c.ap50, 1.0, 1e-12);
  EXPECT_NEAR(c.ap75, 51.0 / 101, 1e-12);
}

TEST(CocoAp, HundredOnePointInterpolation) {
  // 3 boxes; ranked TP, FP, TP, the third box missed, at every IoU threshold (exact boxes).
  // recall 1/3, 1/3, 2/3; precision envelope 1, 2/3, 2/3.
  // Recall points 0..0.33 (34) read 1, 0.34..0.66 (33) read 2/3, 0.67..1 (34) read 0:
  //   AP = (34 + 33 * 2/3) / 101 = 56/101 (VOC's all-point AP would be 5/9).
  std::vector<ImageDetections> images = {
      image({{B(0, 0, 10, 10), 1}, {B(20, 20, 30, 30), 1}, {B(40, 40, 50, 50), 1}},
            {{B(0, 0, 10, 10), 1, .9f}, {B(60, 60, 70, 70), 1, .8f}, {B(20, 20, 30, 30), 1, .7f}})};
  const CocoApResult c = coco_ap(images, 1);
  EXPECT_NEAR(c.ap, 56.0 / 101, 1e-12);
  EXPECT_NEAR(c.ap50, 56.0 / 101, 1e-12);
  EXPECT_NEAR(pascal_voc_ap(images, 1).mean_ap, 5.0 / 9, 1e-12);
}

TEST(CocoAp, IouThresholdsAndAbsentClasses) {
  // One box, one detection with IoU .72 (x 0..7.2 of 0..10): matched at .50-.70 (5 of the 10
  // thresholds) -> AP = .5, AP50 = 1, AP75 = 0. Class 2 has no box: -1 and left out.
  std::vector<ImageDetections> images = {
      image({{B(0, 0, 10, 10), 1}}, {{B(0, 0, 10, 7.2f), 1, .9f}, {B(0, 0, 5, 5), 2, .9f}})};
  const CocoApResult c = coco_ap(images, 2);
  EXPECT_NEAR(c.ap, 0.5, 1e-12);
  EXPECT_NEAR(c.ap50, 1.0, 1e-12);
  EXPECT_NEAR(c.ap75, 0.0, 1e-12);
  EXPECT_EQ(c.ap_per_class[1], -1.0);
  EXPECT_EQ(coco_ap({}, 1).ap, -1.0);
  // maxDets: with max_dets 1 only the top-scoring detection (a miss) counts -> AP 0. With
  // both: FP, TP -> recall 0, 1 and precision 0, 1/2; the envelope reads 1/2 everywhere.
  std::vector<ImageDetections> two = {
      image({{B(0, 0, 10, 10), 1}}, {{B(0, 0, 10, 10), 1, .5f}, {B(50, 50, 60, 60), 1, .9f}})};
  EXPECT_NEAR(coco_ap(two, 1, 1).ap, 0.0, 1e-12);
  EXPECT_NEAR(coco_ap(two, 1, 100).ap, 0.5, 1e-12);
}

TEST(CocoAp, Linspace) {
  const auto r = numpy_linspace(0, 1, 101);
  EXPECT_EQ(r[50], 0.5);
  EXPECT_EQ(r[100], 1.0);
  const auto t = numpy_linspace(.5, .95, 10);
  EXPECT_EQ(t[5], 0.75);
  EXPECT_EQ(t[8], 0.8999999999999999);  // numpy gives the same
}

TEST(Top1Accuracy, SingleObjectImagesOnly) {
  std::vector<ImageDetections> images = {
      image({{B(0, 0, 1, 1), 2}}, {{B(0, 0, 1, 1), 2, .9f}, {B(0, 0, 1, 1), 3, .5f}}),  // right
      image({{B(0, 0, 1, 1), 3}}, {{B(0, 0, 1, 1), 1, .6f}, {B(0, 0, 1, 1), 3, .4f}}),  // wrong
      image({{B(0, 0, 1, 1), 1}}, {}),                                                  // none
      image({{B(0, 0, 1, 1), 1}, {B(0, 0, 1, 1), 2}}, {{B(0, 0, 1, 1), 1, .9f}}),       // skipped
      image({{B(0, 0, 1, 1), 1}}, {{B(0, 0, 1, 1), 1, .3f}}),                           // right
      image({{B(0, 0, 1, 1), 2}}, {{B(0, 0, 1, 1), 2, .8f}}),                           // right
  };
  for (size_t i = 0; i < images.size(); ++i) images[i].image_id = "img" + std::to_string(i);
  const Top1Result r = top1_accuracy(images, 3);
  EXPECT_EQ(r.num_images, 5);
  EXPECT_EQ(r.num_correct, 3);
  EXPECT_EQ(r.num_without_detection, 1);
  EXPECT_DOUBLE_EQ(r.accuracy, 0.6);
  // Top confidences .9, .6, .3, .8 -> min .3, median (.6 + .8) / 2 = .7, max .9.
  EXPECT_FLOAT_EQ(r.min_confidence, .3f);
  EXPECT_NEAR(r.median_confidence, 0.5 * (double(.6f) + double(.8f)), 1e-12);
  EXPECT_FLOAT_EQ(r.max_confidence, .9f);
  EXPECT_EQ(r.images_per_class, (std::vector<int>{2, 2, 1}));
  EXPECT_EQ(r.correct_per_class, (std::vector<int>{1, 2, 0}));
  // The wrong ones, in order: class 3 tagged as 1 (class 3's best .4), and one without output.
  ASSERT_EQ(r.misses.size(), 2u);
  EXPECT_EQ(r.misses[0].image_id, "img1");
  EXPECT_EQ(r.misses[0].label, 3);
  EXPECT_EQ(r.misses[0].predicted, 1);
  EXPECT_FLOAT_EQ(r.misses[0].score, .6f);
  EXPECT_FLOAT_EQ(r.misses[0].label_score, .4f);
  EXPECT_EQ(r.misses[1].image_id, "img2");
  EXPECT_EQ(r.misses[1].predicted, 0);
  EXPECT_TRUE(std::isnan(top1_accuracy({}, 3).accuracy));
}

TEST(Top1Accuracy, ImageLevelLabelsAndTheConfusionMatrix) {
  auto tagged = [](int label, std::vector<DetectionBox> det) {
    ImageDetections img = image({}, std::move(det));
    img.image_label = label;
    return img;
  };
  const std::vector<ImageDetections> images = {
      tagged(2, {{B(0, 0, 1, 1), 2, .9f}, {B(0, 0, .5, .5), 1, .95f}}),  // 1 on top: wrong
      tagged(2, {{B(0, 0, 1, 1), 2, .7f}}),                              // right
      tagged(3, {}),                                                     // none
      image({{B(0, 0, 1, 1), 1}}, {{B(0, 0, 1, 1), 1, .8f}}),            // a boxed one, right
  };
  const Top1Result r = top1_accuracy(images, 3);
  EXPECT_EQ(r.num_images, 4);
  EXPECT_EQ(r.num_correct, 2);
  EXPECT_EQ(r.images_per_class, (std::vector<int>{1, 2, 1}));
  // Rows: labels 1..3; columns: none, 1, 2, 3.
  EXPECT_EQ(r.confusion, (std::vector<int>{0, 1, 0, 0,  //
                                           0, 1, 1, 0,  //
                                           1, 0, 0, 0}));
  EXPECT_EQ(r.confusion_at(2, 1), 1);
  const std::string table = format_confusion_matrix({"Jackets", "Jeans", "Shirts"}, r);
  EXPECT_NE(table.find("label \\ top"), std::string::npos) << table;
  EXPECT_NE(table.find("Jeans              1       1       0       0    0.5000"), std::string::npos)
      << table;
  // Image-level images have no boxes: AP ignores them, so their detections are no false
  // positives (checked through the evaluator in tests/eval).
}

TEST(CocoJson, PixelBoxesAndIds) {
  ImageDetections img = image({{B(.1f, .2f, .5f, .6f), 2}}, {{B(0, 0, .5f, .25f), 1, .75f}});
  img.image_id = "ccp_0001";
  img.width = 200;
  img.height = 100;
  const auto det = nlohmann::json::parse(coco_detections_json({img}));
  ASSERT_EQ(det.size(), 1u);
  EXPECT_EQ(det[0]["image_id"], 1);
  EXPECT_EQ(det[0]["category_id"], 1);
  EXPECT_NEAR(det[0]["bbox"][2].get<double>(), 50.0, 1e-4);  // .25 * 200
  EXPECT_NEAR(det[0]["bbox"][3].get<double>(), 50.0, 1e-4);  // .5 * 100
  EXPECT_NEAR(det[0]["score"].get<double>(), 0.75, 1e-7);
  const auto gt = nlohmann::json::parse(coco_groundtruth_json({img}, {"Jackets", "Jeans"}));
  EXPECT_EQ(gt["images"][0]["file_name"], "ccp_0001");
  EXPECT_NEAR(gt["annotations"][0]["bbox"][0].get<double>(), 40.0, 1e-4);  // .2 * 200
  EXPECT_NEAR(gt["annotations"][0]["area"].get<double>(), 80 * 40, 1e-2);
  EXPECT_EQ(gt["categories"][1]["name"], "Jeans");
}

TEST(ClassTable, RowsAndSummary) {
  std::vector<ImageDetections> images = {image({{B(0, 0, 1, 1), 1}}, {{B(0, 0, 1, 1), 1, .9f}})};
  EvalMetrics m;
  m.voc = pascal_voc_ap(images, 2);
  m.coco = coco_ap(images, 2);
  m.top1 = top1_accuracy(images, 2);
  const std::string t = format_class_table({"Jackets", "Jeans"}, m);
  EXPECT_NE(t.find("Jackets         1    1.0000     1.0000    1.0000       1"), std::string::npos)
      << t;
  EXPECT_NE(t.find("Jeans           0         -          -         -       0"), std::string::npos)
      << t;
  EXPECT_NE(t.find("top-1 1/1"), std::string::npos) << t;
  EXPECT_EQ(t.find("wrong:"), std::string::npos) << t;
}

TEST(ClassTable, ListsTheWrongImages) {
  std::vector<ImageDetections> images;
  for (int i = 0; i < 4; ++i) {
    images.push_back(
        image({{B(0, 0, 1, 1), 1}}, {{B(0, 0, 1, 1), 2, .75f}, {B(0, 0, 1, 1), 1, .5f}}));
    images.back().image_id = "shirt" + std::to_string(i);
  }
  images.push_back(image({{B(0, 0, 1, 1), 2}}, {}));
  images.back().image_id = "blank";
  EvalMetrics m;
  m.top1 = top1_accuracy(images, 2);
  const std::string all = format_class_table({"Jackets", "Jeans"}, m);
  EXPECT_NE(all.find("  wrong: shirt0 is Jackets, top Jeans 0.7500 (Jackets 0.5000)\n"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("  wrong: blank is Jeans, no detection\n"), std::string::npos) << all;
  const std::string some = format_class_table({"Jackets", "Jeans"}, m, 2);
  EXPECT_NE(some.find("wrong: shirt1"), std::string::npos) << some;
  EXPECT_EQ(some.find("wrong: shirt2"), std::string::npos) << some;
  EXPECT_NE(some.find("  ... and 3 more wrong (all in metrics.json)\n"), std::string::npos) << some;
  EXPECT_EQ(format_class_table({"Jackets", "Jeans"}, m, 0).find("wrong"), std::string::npos);
  EXPECT_EQ(class_display_name({"Jackets"}, 7), "class 7");
}

}  // namespace
}  // namespace tailor::pipeline
