#include "models/matcher.h"

#include <gtest/gtest.h>

#include "models/target_assigner.h"
#include "runtime/error.h"

namespace tailor::models {
namespace {

TEST(ArgmaxMatcher, ThresholdsAndForcedMatches) {
  // Rows are groundtruth, columns anchors.
  const std::vector<float> sim = {0.7f, 0.2f, 0.4f,  0.5f,  //
                                  0.6f, 0.1f, 0.45f, 0.3f};
  MatcherConfig c;  // 0.5 / 0.5, negatives lower than unmatched, force match
  // Column 3 reaches 0.5 exactly: matched. Both rows' best column is 0, which goes to row 0,
  // so row 1 is left without a forced match (TF's one_hot + argmax).
  EXPECT_EQ(argmax_match(sim, 2, 4, c), (std::vector<int>{0, kUnmatched, kUnmatched, 0}));
  c.matched_threshold = 0.6f;
  c.unmatched_threshold = 0.4f;
  EXPECT_EQ(argmax_match(sim, 2, 4, c), (std::vector<int>{0, kUnmatched, kIgnored, kIgnored}));
  c.negatives_lower_than_unmatched = false;
  EXPECT_EQ(argmax_match(sim, 2, 4, c), (std::vector<int>{0, kIgnored, kUnmatched, kUnmatched}));
}

TEST(ArgmaxMatcher, ForceMatchGivesEachRowItsBestColumn) {
  const std::vector<float> sim = {0.1f, 0.3f, 0.2f,  //
                                  0.0f, 0.1f, 0.05f};
  MatcherConfig c;
  EXPECT_EQ(argmax_match(sim, 2, 3, c), (std::vector<int>{kUnmatched, 0, kUnmatched}));
  c.force_match_for_each_row = false;
  EXPECT_EQ(argmax_match(sim, 2, 3, c), (std::vector<int>{kUnmatched, kUnmatched, kUnmatched}));
  // Ties go to the lowest index: row 1's best is column 0 (0.4 twice).
  const std::vector<float> tie = {0.9f, 0.1f, 0.f,  //
                                  0.4f, 0.4f, 0.f};
  c.force_match_for_each_row = true;
  EXPECT_EQ(argmax_match(tie, 2, 3, c), (std::vector<int>{0, kUnmatched, kUnmatched}));
}

TEST(ArgmaxMatcher, NoGroundtruthMeansAllUnmatched) {
  EXPECT_EQ(argmax_match({}, 0, 3, MatcherConfig{}), std::vector<int>(3, kUnmatched));
}

TEST(TargetAssigner, OneHotTargetsAndWeights) {
  std::vector<BoxCorners> anchors = {{0.f, 0.f, 0.5f, 0.5f},
                                     {0.5f, 0.5f, 1.f, 1.f},
                                     {0.f, 0.f, 0.4f, 0.5f},
                                     {0.f, 0.5f, 0.5f, 1.f}};
  GroundTruth gt;
  gt.boxes = {{0.f, 0.f, 0.5f, 0.5f}, {0.6f, 0.6f, 1.f, 1.f}};
  gt.classes = {3, 7};
  MatcherConfig m;
  m.matched_threshold = 0.7f;
  m.unmatched_threshold = 0.3f;
  Targets t = assign_targets(anchors, gt, 9, m, BoxCoderConfig{});
  // Anchor 0: IoU 1 with gt 0. Anchor 1: IoU 0.64 with gt 1, between the thresholds, but
  // forced as gt 1's best. Anchor 2: IoU 0.8 with gt 0. Anchor 3: IoU 0: background.
  EXPECT_EQ(t.match, (std::vector<int>{0, 1, 0, kUnmatched}));
  EXPECT_EQ(t.cls_target, (std::vector<int>{3, 7, 3, 0}));
  EXPECT_EQ(t.cls_weight, (std::vector<float>{1, 1, 1, 1}));
  EXPECT_EQ(t.reg_weight, (std::vector<float>{1, 1, 1, 0}));
  EXPECT_EQ(t.num_matches(), 3);
  EXPECT_NEAR(t.reg_target[0].th, 0.f, 1e-5);
  BoxCode e = encode_box(gt.boxes[1], anchors[1], BoxCoderConfig{});
  EXPECT_FLOAT_EQ(t.reg_target[1].ty, e.ty);
  EXPECT_FLOAT_EQ(t.reg_target[1].tw, e.tw);
  EXPECT_EQ(t.reg_target[3].ty, 0.f);

  // Without forcing, anchor 1 is ignored: background target, zero class weight.
  m.force_match_for_each_row = false;
  t = assign_targets(anchors, gt, 9, m, BoxCoderConfig{});
  EXPECT_EQ(t.match[1], kIgnored);
  EXPECT_EQ(t.cls_target[1], 0);
  EXPECT_EQ(t.cls_weight[1], 0.f);
  EXPECT_EQ(t.reg_weight[1], 0.f);
}

TEST(TargetAssigner, RejectsClassesOutOfRange) {
  GroundTruth gt;
  gt.boxes = {{0.f, 0.f, 0.5f, 0.5f}};
  gt.classes = {10};
  EXPECT_THROW(assign_targets({{0.f, 0.f, 1.f, 1.f}}, gt, 9, MatcherConfig{}, BoxCoderConfig{}),
               UserError);
  gt.classes = {};
  EXPECT_THROW(assign_targets({{0.f, 0.f, 1.f, 1.f}}, gt, 9, MatcherConfig{}, BoxCoderConfig{}),
               UserError);
}

}  // namespace
}  // namespace tailor::models
