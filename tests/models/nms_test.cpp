#include "models/nms.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "models/hard_example_miner.h"
#include "models/matcher.h"
#include "models/post_process.h"

namespace tailor::models {
namespace {

// The case of TF's non_max_suppression tests: three clusters of overlapping boxes.
const std::vector<BoxCorners> kBoxes = {{0, 0, 1, 1},   {0, 0.1f, 1, 1.1f},   {0, -0.1f, 1, 0.9f},
                                        {0, 10, 1, 11}, {0, 10.1f, 1, 11.1f}, {0, 100, 1, 101}};
const std::vector<float> kScores = {0.9f, 0.75f, 0.6f, 0.95f, 0.5f, 0.3f};

TEST(NonMaxSuppression, SelectsLikeTf) {
  EXPECT_EQ(non_max_suppression(kBoxes, kScores, 3, 0.5f), (std::vector<int>{3, 0, 5}));
  EXPECT_EQ(non_max_suppression(kBoxes, kScores, 2, 0.5f), (std::vector<int>{3, 0}));
  // IoU of boxes 0 and 1 is 0.9 / 1.1 = 0.818: a threshold above it keeps both.
  EXPECT_EQ(non_max_suppression(kBoxes, kScores, 6, 0.85f), (std::vector<int>{3, 0, 1, 2, 4, 5}));
  EXPECT_EQ(non_max_suppression(kBoxes, kScores, 6, 0.5f, 0.4f), (std::vector<int>{3, 0}));
}

TEST(NonMaxSuppression, FlippedCornersAndTies) {
  // TF's kernel accepts corners in either order; equal scores go to the lower index first.
  std::vector<BoxCorners> boxes = {{1, 1, 0, 0}, {0, 0, 1, 1}, {5, 5, 6, 6}};
  EXPECT_EQ(non_max_suppression(boxes, {0.5f, 0.5f, 0.5f}, 3, 0.5f), (std::vector<int>{0, 2}));
}

// The plain greedy scan with nms_iou, as TF's kernel does it: the reference for the binned one.
std::vector<int> reference_nms(const std::vector<BoxCorners>& boxes,
                               const std::vector<float>& scores, int max_output, float iou) {
  std::vector<int> order(boxes.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return scores[a] > scores[b]; });
  std::vector<int> selected;
  for (int i : order) {
    if (static_cast<int>(selected.size()) >= max_output) break;
    bool keep = true;
    for (int k : selected)
      if (nms_iou(boxes[i], boxes[k]) > iou) keep = false;
    if (keep) selected.push_back(i);
  }
  return selected;
}

TEST(NonMaxSuppression, MatchesThePlainScanOnManyNearDuplicates) {
  // Jittered copies of a few hundred boxes (IoUs near every threshold, some exactly equal,
  // some with no area) as hard example mining sees them over 1917 decoded anchors.
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(0.f, 1.f);
  std::vector<BoxCorners> boxes;
  std::vector<float> scores;
  for (int i = 0; i < 1917; ++i) {
    if (i % 3 == 0 || boxes.empty()) {
      const float y = u(rng), x = u(rng), h = 0.01f + 0.9f * u(rng), w = 0.01f + 0.9f * u(rng);
      boxes.push_back({y, x, y + h, x + w});
    } else {
      BoxCorners b = boxes[rng() % boxes.size()];
      const float j = (i % 5 == 0) ? 0.f : 0.004f * (u(rng) - 0.5f);
      b.ymin += j;
      b.xmax -= j;
      if (i % 97 == 0) b.ymax = b.ymin;  // no area
      boxes.push_back(b);
    }
    scores.push_back(std::floor(u(rng) * 50.f));  // many ties
  }
  // Diverged predictions: NaN and infinite corners, and an area that overflows to infinity.
  const float inf = std::numeric_limits<float>::infinity(), nan = std::nanf("");
  boxes[10] = {nan, 0.f, 1.f, 1.f};
  boxes[11] = {0.f, 0.f, inf, 1.f};
  boxes[12] = {-3e38f, -3e38f, 3e38f, 3e38f};
  boxes[13] = boxes[12];
  boxes[14] = {0.f, -inf, 1.f, inf};
  for (float iou : {0.99f, 0.9f, 0.6f, 0.5f, 0.3f, 0.f, 1.f})
    for (int max_output : {100, 3000})
      EXPECT_EQ(non_max_suppression(boxes, scores, max_output, iou),
                reference_nms(boxes, scores, max_output, iou))
          << "iou " << iou << ", max_output " << max_output;
}

// Far-apart unit boxes, so NMS keeps everything and orders by loss.
std::vector<BoxCorners> separate_boxes(int n) {
  std::vector<BoxCorners> b;
  for (int i = 0; i < n; ++i) b.push_back({0.f, 2.f * i, 1.f, 2.f * i + 1});
  return b;
}

TEST(HardExampleMiner, KeepsNegativesPerPositive) {
  const std::vector<float> losses = {0.1f, 0.9f, 0.5f, 0.8f, 0.3f, 0.7f};
  const std::vector<int> match = {kUnmatched, kUnmatched, 0, kUnmatched, kIgnored, kUnmatched};
  LossConfig c;
  c.max_negatives_per_positive = 1;
  // NMS order 1, 3, 5, 2(+), 4(ignored), 0; one positive -> one negative.
  MinedExamples m = mine_hard_examples(separate_boxes(6), losses, match, c);
  EXPECT_EQ(m.indices, (std::vector<int>{1, 2}));
  EXPECT_EQ(m.num_positives, 1);
  EXPECT_EQ(m.num_negatives, 1);
  // Three per positive: the ignored anchor 4 rides along while the negative count is within
  // budget, as in TF's cumsum rule, and counts as a negative there.
  c.max_negatives_per_positive = 3;
  m = mine_hard_examples(separate_boxes(6), losses, match, c);
  EXPECT_EQ(m.indices, (std::vector<int>{1, 3, 5, 2, 4}));
  EXPECT_EQ(m.num_negatives, 4);
}

TEST(HardExampleMiner, SuppressesDuplicatesAndHonoursMinimum) {
  std::vector<BoxCorners> boxes = separate_boxes(3);
  boxes.push_back(boxes[0]);  // identical to box 0: IoU 1 > 0.99
  const std::vector<float> losses = {0.9f, 0.2f, 0.5f, 0.8f};
  const std::vector<int> match(4, kUnmatched);
  LossConfig c;  // 3 per positive, min 0: no positives -> nothing
  EXPECT_TRUE(mine_hard_examples(boxes, losses, match, c).indices.empty());
  c.min_negatives_per_image = 2;
  EXPECT_EQ(mine_hard_examples(boxes, losses, match, c).indices, (std::vector<int>{0, 2}));
  c.num_hard_examples = 1;
  EXPECT_EQ(mine_hard_examples(boxes, losses, match, c).indices, (std::vector<int>{0}));
}

TEST(MulticlassNms, PerClassNmsClipSortAndCap) {
  // Three boxes, two classes; scores row-major [box][class].
  const std::vector<BoxCorners> boxes = {
      {-0.1f, 0.f, 0.5f, 0.5f}, {0.f, 0.f, 0.5f, 0.52f}, {0.5f, 0.5f, 1.2f, 1.f}};
  const std::vector<float> scores = {0.9f, 0.1f,  //
                                     0.8f, 0.7f,  //
                                     0.2f, 0.6f};
  PostProcessConfig c;
  c.score_threshold = 0.3f;
  c.iou_threshold = 0.6f;
  std::vector<Detection> d = multiclass_nms(boxes, scores, 2, c);
  // Class 1: box 0 (clipped to ymin 0) suppresses box 1 (IoU 0.96); box 2 is below threshold.
  // Class 2: boxes 1 and 2. Sorted by score.
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d[0].class_id, 1);
  EXPECT_FLOAT_EQ(d[0].score, 0.9f);
  EXPECT_FLOAT_EQ(d[0].ymin, 0.f);
  EXPECT_EQ(d[1].class_id, 2);
  EXPECT_FLOAT_EQ(d[1].xmax, 0.52f);
  EXPECT_EQ(d[2].class_id, 2);
  EXPECT_FLOAT_EQ(d[2].ymax, 1.f);  // clipped
  c.max_total_detections = 2;
  EXPECT_EQ(multiclass_nms(boxes, scores, 2, c).size(), 2u);
  c.max_total_detections = 100;
  c.max_detections_per_class = 1;
  d = multiclass_nms(boxes, scores, 2, c);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_FLOAT_EQ(d[1].score, 0.7f);
}

// The pruned multiclass NMS (a box below the best max_total_detections so far is never
// looked at) against every class's NMS over every box, on random boxes with tied scores.
TEST(MulticlassNms, PruningMatchesTheFullScan) {
  std::mt19937 rng(9);
  std::uniform_real_distribution<float> u(-0.1f, 1.1f);
  std::uniform_int_distribution<int> level(0, 40);
  const int num_boxes = 400, classes = 12;
  std::vector<BoxCorners> boxes;
  for (int i = 0; i < num_boxes; ++i) {
    const float y = u(rng), x = u(rng);
    boxes.push_back({y, x, y + 0.3f * u(rng), x + 0.3f * u(rng)});
  }
  std::vector<float> scores(size_t(num_boxes) * classes);
  for (float& v : scores) v = float(level(rng)) / 40.f;  // many ties, some zeros
  for (int total : {1, 7, 100, 5000})
    for (int per_class : {1, 5, 100})
      for (float iou : {0.3f, 0.6f, 1.f}) {
        PostProcessConfig c;
        c.score_threshold = 0.01f;
        c.iou_threshold = iou;
        c.max_detections_per_class = per_class;
        c.max_total_detections = total;
        const std::vector<Detection> got = multiclass_nms(boxes, scores, classes, c);
        const std::vector<Detection> want = multiclass_nms_ref(boxes, scores, classes, c);
        ASSERT_EQ(got.size(), want.size()) << total << " " << per_class << " " << iou;
        for (size_t i = 0; i < got.size(); ++i) {
          EXPECT_EQ(got[i].class_id, want[i].class_id) << i;
          EXPECT_EQ(got[i].score, want[i].score) << i;
          EXPECT_EQ(got[i].ymin, want[i].ymin) << i;
          EXPECT_EQ(got[i].xmax, want[i].xmax) << i;
        }
      }
}

TEST(MulticlassNms, DropsBoxesOutsideTheImage) {
  PostProcessConfig c;
  auto d = multiclass_nms({{1.2f, 0.f, 1.5f, 1.f}}, {0.9f}, 1, c);
  EXPECT_TRUE(d.empty());
}

}  // namespace
}  // namespace tailor::models
