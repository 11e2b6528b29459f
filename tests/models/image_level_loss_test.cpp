// The image-level loss on a hand-computed case: a labelled class gives a gradient only at the
// anchors its method chooses, in its own column (and, with box_negatives, in the other
// columns of those anchors); no other anchor, and no box code, gets any. A source's ambiguous
// classes (GroundTruth::ambiguous) are left out of what a box or image label teaches. An
// exhaustive label (GroundTruth::labels_exhaustive) also teaches the other classes 0 at the
// hardest anchors.
#include <gtest/gtest.h>

#include <cmath>

#include "models/image_level.h"
#include "models/ssd_loss.h"

namespace tailor::models {
namespace {

double sig(double x) {
  return 1 / (1 + std::exp(-x));
}

// Two classes, four anchors; zero box codes, so every prediction is its anchor. Anchor 1
// overlaps anchor 0 (IoU 0.909); anchor 3 is the whole image (IoU 0.25 with anchors 0 and 2).
struct Case {
  std::vector<BoxCorners> anchors = {{0.f, 0.f, 0.5f, 0.5f},
                                     {0.f, 0.f, 0.5f, 0.55f},
                                     {0.5f, 0.5f, 1.f, 1.f},
                                     {0.f, 0.f, 1.f, 1.f}};
  // Columns: background, class 1, class 2.
  std::vector<float> logits = {0.f, 2.f,  -2.f,  // anchor 0
                               0.f, 1.f,  0.f,   // anchor 1
                               0.f, 0.5f, 3.f,   // anchor 2
                               0.f, -1.f, 0.f};  // anchor 3
  SsdConfig config;
  ParameterSet params;
  SsdOutput out;
  std::vector<GroundTruth> gt;
  explicit Case(ImageLevelMethod method, float min_score = 0.3f) {
    config.num_classes = 2;
    config.loss.l2_weight = 0;
    config.loss.image_level.method = method;
    config.loss.image_level.min_score = min_score;
    config.loss.image_level.box_negatives = false;
    out.class_logits = Tensor::from_vector(logits, {1, 4, 3}).set_requires_grad();
    out.box_encodings = Tensor::zeros({1, 4, 4}).set_requires_grad();
    GroundTruth g;
    g.image_level = true;
    g.image_label = 1;
    gt = {g};
  }
  // The loss, and the gradient of every logit.
  std::vector<float> grad(SsdLosses* losses) {
    *losses = ssd_loss(out, anchors, gt, params, config);
    losses->total.backward();
    for (float g : out.box_encodings.grad().to_vector()) EXPECT_EQ(g, 0.f);
    return out.class_logits.grad().to_vector();
  }
};

// Expects `g` to be zero everywhere but the listed (anchor, column) cells.
void expect_only(const std::vector<float>& g, const std::vector<std::pair<int, double>>& cells) {
  std::vector<double> want(g.size(), 0.0);
  for (const auto& [cell, v] : cells) want[cell] = v;
  for (size_t i = 0; i < g.size(); ++i) EXPECT_NEAR(g[i], want[i], 1e-6) << "logit " << i;
}

TEST(ImageLevelLoss, MilTrainsTheBestAnchorOfTheLabelledClassOnly) {
  Case c(ImageLevelMethod::kMil);
  SsdLosses l;
  const std::vector<float> g = c.grad(&l);
  EXPECT_EQ(l.num_matches, 1);
  EXPECT_NEAR(l.classification.item(), std::log1p(std::exp(-2.0)), 1e-6);
  EXPECT_EQ(l.localization.item(), 0.f);
  expect_only(g, {{0 * 3 + 1, sig(2) - 1}});
}

TEST(ImageLevelLoss, PseudoBoxTrainsTheAnchorsMatchingTheModelsBestBox) {
  Case c(ImageLevelMethod::kPseudoBox);
  SsdLosses l;
  const std::vector<float> g = c.grad(&l);
  // The best class-1 box is anchor 0's (score 0.88); anchors 0 and 1 match it.
  EXPECT_EQ(l.num_matches, 2);
  EXPECT_NEAR(l.classification.item(),
              (std::log1p(std::exp(-2.0)) + std::log1p(std::exp(-1.0))) / 2, 1e-6);
  expect_only(g, {{0 * 3 + 1, (sig(2) - 1) / 2}, {1 * 3 + 1, (sig(1) - 1) / 2}});

  // Below min_score the model's box is not trusted: nothing trains.
  Case strict(ImageLevelMethod::kPseudoBox, 0.9f);
  const std::vector<float> none = strict.grad(&l);
  EXPECT_EQ(l.num_matches, 0);
  EXPECT_EQ(l.total.item(), 0.f);
  expect_only(none, {});
}

TEST(ImageLevelLoss, MaxSizeTrainsTheLargestConfidentBox) {
  // Foreground scores: 0.88, 0.73, 0.95 (class 2) and 0.5 for the whole-image anchor 3.
  Case c(ImageLevelMethod::kMaxSize, 0.5f);
  SsdLosses l;
  const std::vector<float> g = c.grad(&l);
  EXPECT_EQ(l.num_matches, 1);
  expect_only(g, {{3 * 3 + 1, sig(-1) - 1}});
  // A stricter threshold leaves anchor 3 out; anchor 0's box is then the largest of 0 and 2
  // (equal areas: the first), matched by anchors 0 and 1.
  Case strict(ImageLevelMethod::kMaxSize, 0.8f);
  const std::vector<float> g2 = strict.grad(&l);
  expect_only(g2, {{0 * 3 + 1, (sig(2) - 1) / 2}, {1 * 3 + 1, (sig(1) - 1) / 2}});
}

TEST(ImageLevelLoss, ClassAwareMaxSizeTrainsTheLargestBoxOfTheLabelledClass) {
  // Class 1 scores: 0.88, 0.73, 0.62 and 0.27 for the whole-image anchor 3, whose foreground
  // score (0.5) makes it the plain rule's pick at 0.5. Class-aware, the largest of anchors 0-2
  // is anchor 1's box (area 0.275), matched by anchors 1 (IoU 1) and 0 (IoU 0.909).
  Case c(ImageLevelMethod::kMaxSize, 0.5f);
  c.config.loss.image_level.class_aware = true;
  SsdLosses l;
  expect_only(c.grad(&l), {{0 * 3 + 1, (sig(2) - 1) / 2}, {1 * 3 + 1, (sig(1) - 1) / 2}});
  // No box reaches 0.9 in class 1: the foreground rule picks anchor 2 (class 2 at 0.95), and
  // the label still trains only its own column there.
  Case none(ImageLevelMethod::kMaxSize, 0.9f);
  none.config.loss.image_level.class_aware = true;
  expect_only(none.grad(&l), {{2 * 3 + 1, sig(0.5) - 1}});
}

TEST(ImageLevelLoss, WeightScalesAndAWarmingUpRowGivesNothing) {
  Case c(ImageLevelMethod::kMil);
  c.config.loss.image_level.weight = 2.5f;
  SsdLosses l;
  expect_only(c.grad(&l), {{1, 2.5 * (sig(2) - 1)}});
  Case off(ImageLevelMethod::kMil);
  off.gt[0].image_label = 0;  // before loss.image_level.start_step
  expect_only(off.grad(&l), {});
  EXPECT_EQ(l.total.item(), 0.f);
}

TEST(ImageLevelLoss, ABoxRowInTheSameBatchKeepsItsLossAndShareTheNormalizer) {
  Case c(ImageLevelMethod::kMil);
  std::vector<float> two = c.logits;
  two.insert(two.end(), c.logits.begin(), c.logits.end());
  c.out.class_logits = Tensor::from_vector(two, {2, 4, 3}).set_requires_grad();
  c.out.box_encodings = Tensor::zeros({2, 4, 4}).set_requires_grad();
  GroundTruth boxed;
  boxed.boxes = {{0.5f, 0.5f, 1.f, 1.f}};  // anchor 2 exactly
  boxed.classes = {2};
  c.gt.push_back(boxed);
  SsdLosses l;
  const std::vector<float> g = c.grad(&l);
  EXPECT_EQ(l.num_matches, 2);  // one image-level positive, one matched anchor
  // The image-level row: its one cell, over the batch's two matches.
  for (int i = 0; i < 12; ++i) EXPECT_NEAR(g[i], i == 1 ? (sig(2) - 1) / 2 : 0.0, 1e-6) << i;
  // The box row trains all three columns of its positive anchor 2.
  EXPECT_NEAR(g[12 + 2 * 3 + 2], (sig(3) - 1) / 2, 1e-6);
  EXPECT_NEAR(g[12 + 2 * 3 + 0], sig(0) / 2, 1e-6);
}

TEST(ImageLevelLoss, BoxNegativesTeachTheOtherClassesAtTheChosenAnchorsOnly) {
  Case c(ImageLevelMethod::kPseudoBox);
  c.config.loss.image_level.box_negatives = true;
  SsdLosses l;
  const std::vector<float> g = c.grad(&l);
  // Anchors 0 and 1, every column: background and class 2 towards 0, class 1 towards 1.
  expect_only(g, {{0, sig(0) / 2},
                  {1, (sig(2) - 1) / 2},
                  {2, sig(-2) / 2},
                  {3, sig(0) / 2},
                  {4, (sig(1) - 1) / 2},
                  {5, sig(0) / 2}});
}

TEST(ImageLevelLoss, ExhaustiveLabelsTeachTheOtherClassesZeroAtTheHardestAnchors) {
  // max_size at 0.5 picks the whole-image anchor 3 (one positive). The label rules class 2
  // out of the photo: anchors 0-2 are candidate negatives in class 2's column alone, with
  // losses softplus(-2), softplus(0) and softplus(3).
  Case c(ImageLevelMethod::kMaxSize, 0.5f);
  c.gt[0].labels_exhaustive = true;
  c.config.loss.max_negatives_per_positive = 1;
  SsdLosses l;
  expect_only(c.grad(&l), {{3 * 3 + 1, sig(-1) - 1}, {2 * 3 + 2, sig(3)}});
  EXPECT_EQ(l.num_matches, 1);
  EXPECT_EQ(l.num_positives, 1);
  EXPECT_EQ(l.num_negatives, 1);
  EXPECT_NEAR(l.classification.item(), std::log1p(std::exp(1.0)) + std::log1p(std::exp(3.0)), 1e-5);
  // Three negatives per positive: all three train class 2 towards 0, and neither background
  // nor class 1 (which the garment may fill) anywhere but the chosen anchor.
  Case all(ImageLevelMethod::kMaxSize, 0.5f);
  all.gt[0].labels_exhaustive = true;
  all.config.loss.max_negatives_per_positive = 3;
  expect_only(
      all.grad(&l),
      {{3 * 3 + 1, sig(-1) - 1}, {0 * 3 + 2, sig(-2)}, {1 * 3 + 2, sig(0)}, {2 * 3 + 2, sig(3)}});
  EXPECT_EQ(l.num_negatives, 3);
  // Before loss.image_level.start_step the row trains nothing, exhaustive or not.
  Case off(ImageLevelMethod::kMaxSize, 0.5f);
  off.gt[0].labels_exhaustive = true;
  off.gt[0].image_label = 0;
  expect_only(off.grad(&l), {});
}

// A source whose labels do not tell classes 1 and 2 apart (InputSource::ambiguous_classes).
const ClassAmbiguity kOneAndTwo = {{}, {2}, {1}};

TEST(AmbiguousClasses, ABoxLeavesTheOtherClassOfItsGroupUntaught) {
  Case plain(ImageLevelMethod::kMil), ambiguous(ImageLevelMethod::kMil);
  for (Case* c : {&plain, &ambiguous}) {
    GroundTruth boxed;
    boxed.boxes = {{0.5f, 0.5f, 1.f, 1.f}};  // anchor 2 exactly, the one match
    boxed.classes = {2};
    c->gt = {boxed};
  }
  ambiguous.gt[0].ambiguous = &kOneAndTwo;
  SsdLosses l1, l2;
  const std::vector<float> g1 = plain.grad(&l1), g2 = ambiguous.grad(&l2);
  EXPECT_EQ(l2.num_matches, 1);
  // The positive anchor 2: background towards 0 and class 2 towards 1 as before; class 1 is
  // taught nothing, where the plain loss taught it 0.
  EXPECT_NEAR(g2[2 * 3 + 0], sig(0), 1e-6);
  EXPECT_NEAR(g2[2 * 3 + 2], sig(3) - 1, 1e-6);
  EXPECT_NEAR(g1[2 * 3 + 1], sig(0.5), 1e-6);
  EXPECT_EQ(g2[2 * 3 + 1], 0.f);
  // The mined negatives (background everywhere else) are the same, and the loss is lower by
  // exactly the left-out term.
  for (size_t i = 0; i < g1.size(); ++i)
    if (i != 2 * 3 + 1) EXPECT_EQ(g1[i], g2[i]) << "logit " << i;
  EXPECT_NEAR(l1.classification.item() - l2.classification.item(), std::log1p(std::exp(0.5)), 1e-5);
}

TEST(AmbiguousClasses, AnImageLabelWithBoxNegativesLeavesItsGroupOut) {
  Case c(ImageLevelMethod::kPseudoBox);
  c.config.loss.image_level.box_negatives = true;
  c.gt[0].ambiguous = &kOneAndTwo;
  SsdLosses l;
  // BoxNegativesTeachTheOtherClassesAtTheChosenAnchorsOnly, without class 2's column.
  expect_only(c.grad(&l),
              {{0, sig(0) / 2}, {1, (sig(2) - 1) / 2}, {3, sig(0) / 2}, {4, (sig(1) - 1) / 2}});
  // A class outside every group trains as before.
  const ClassAmbiguity other = {{}, {}, {}};
  Case d(ImageLevelMethod::kPseudoBox);
  d.config.loss.image_level.box_negatives = true;
  d.gt[0].ambiguous = &other;
  expect_only(d.grad(&l), {{0, sig(0) / 2},
                           {1, (sig(2) - 1) / 2},
                           {2, sig(-2) / 2},
                           {3, sig(0) / 2},
                           {4, (sig(1) - 1) / 2},
                           {5, sig(0) / 2}});
}

TEST(ImageLevelBox, IsWhatAutoboxWrites) {
  Case c(ImageLevelMethod::kPseudoBox);
  std::vector<float> probs;
  for (float v : c.logits) probs.push_back(static_cast<float>(sig(v)));
  const ImagePredictions pred{&c.anchors, probs.data(), 3};
  auto box = image_level_box(pred, 2, c.config.loss.image_level);
  ASSERT_TRUE(box);
  EXPECT_EQ(box->anchor, 2);
  EXPECT_NEAR(box->score, sig(3), 1e-6);
  EXPECT_EQ(box->box.ymin, 0.5f);
  ImageLevelMethod m;
  EXPECT_TRUE(find_image_level_method("max_size", &m));
  EXPECT_EQ(m, ImageLevelMethod::kMaxSize);
  EXPECT_FALSE(find_image_level_method("largest", &m));
  EXPECT_STREQ(image_level_method_name(ImageLevelMethod::kMil), "mil");
}

}  // namespace
}  // namespace tailor::models
