#include "models/fast_nms.h"

#include <gtest/gtest.h>

namespace tailor::models {
namespace {

// Three anchors, two classes. Anchors 0 and 1 overlap (IoU 0.81) with different best classes:
// per-class NMS would keep both, TF Lite's fast NMS keeps only the higher one.
const std::vector<BoxCorners> kBoxes = {
    {0.f, 0.f, 0.5f, 0.5f}, {0.f, 0.f, 0.5f, 0.45f}, {0.5f, 0.5f, 1.2f, 1.f}};
const std::vector<float> kScores = {0.9f, 0.1f,   // anchor 0: class 1
                                    0.2f, 0.8f,   // anchor 1: class 2
                                    0.3f, 0.7f};  // anchor 2: class 2

TEST(FastNms, OneNmsAcrossClassesOneClassPerAnchor) {
  PostProcessConfig c;
  c.iou_threshold = 0.6f;
  c.max_total_detections = 10;
  const auto d = fast_nms(kBoxes, kScores, 2, 1, c);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].class_id, 1);
  EXPECT_FLOAT_EQ(d[0].score, 0.9f);
  EXPECT_EQ(d[1].class_id, 2);
  EXPECT_FLOAT_EQ(d[1].score, 0.7f);
  EXPECT_FLOAT_EQ(d[1].ymax, 1.f);  // clipped to the image for output

  const auto per_class = models::multiclass_nms(kBoxes, kScores, 2, c);
  EXPECT_GT(per_class.size(), d.size());
}

TEST(FastNms, MaxDetectionsThresholdAndSeveralClassesPerAnchor) {
  PostProcessConfig c;
  c.iou_threshold = 0.6f;
  c.max_total_detections = 1;
  EXPECT_EQ(fast_nms(kBoxes, kScores, 2, 1, c).size(), 1u);
  c.max_total_detections = 10;
  c.score_threshold = 0.75f;
  EXPECT_EQ(fast_nms(kBoxes, kScores, 2, 1, c).size(), 1u);  // anchor 2 (0.7) is out
  c.score_threshold = 0.f;
  const auto two = fast_nms(kBoxes, kScores, 2, 2, c);
  ASSERT_EQ(two.size(), 4u);  // anchors 0 and 2, both classes each, by score
  EXPECT_FLOAT_EQ(two[0].score, 0.9f);
  EXPECT_FLOAT_EQ(two[1].score, 0.7f);
  EXPECT_FLOAT_EQ(two[2].score, 0.3f);
  EXPECT_FLOAT_EQ(two[3].score, 0.1f);
}

}  // namespace
}  // namespace tailor::models
