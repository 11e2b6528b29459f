#include "models/ssd_loss.h"

#include <gtest/gtest.h>

#include <cmath>

namespace tailor::models {
namespace {

// One image, one class, three anchors. Anchor 0 matches the groundtruth exactly; 1 and 2 are
// background. Values worked by hand from TF's formulas:
//   sigmoid CE(x, z) = max(x, 0) - x z + log(1 + exp(-|x|)); smooth L1 = 0.5 d^2 or |d| - 0.5.
struct Case {
  std::vector<BoxCorners> anchors = {
      {0.f, 0.f, 0.5f, 0.5f}, {0.5f, 0.5f, 1.f, 1.f}, {0.f, 0.5f, 0.5f, 1.f}};
  std::vector<GroundTruth> gt{GroundTruth{{{0.f, 0.f, 0.5f, 0.5f}}, {1}}};
  SsdConfig config;
  ParameterSet params;
  SsdOutput out;
  Case() {
    config.num_classes = 1;
    // Background/class logits per anchor; box codes per anchor.
    out.class_logits =
        Tensor::from_vector({0.f, 2.f, 1.f, -1.f, 3.f, 0.f}, {1, 3, 2}).set_requires_grad();
    out.box_encodings =
        Tensor::from_vector({0.5f, 0.f, 0.f, -2.f, 3.f, 3.f, 3.f, 3.f, 0.f, 0.f, 0.f, 0.f},
                            {1, 3, 4})
            .set_requires_grad();
    params.add("w", Tensor::from_vector({1.f, 2.f}, {2}), true, true);
    params.add("b", Tensor::from_vector({5.f}, {1}), true, false);
  }
};

const double kCe0 = std::log(2.0) + std::log1p(std::exp(-2.0));  // anchor 0: 0.820075
const double kCe1 = 2 * std::log1p(std::exp(-1.0));              // anchor 1: 0.626523
const double kCe2 = std::log1p(std::exp(-3.0)) + std::log(2.0);  // anchor 2: 0.741734

TEST(SsdLoss, HandWorkedValues) {
  Case c;
  SsdLosses l = ssd_loss(c.out, c.anchors, c.gt, c.params, c.config);
  EXPECT_EQ(l.num_matches, 1);
  // Mining keeps the positive and all (<= 3 per positive) negatives.
  EXPECT_EQ(l.num_positives, 1);
  EXPECT_EQ(l.num_negatives, 2);
  EXPECT_NEAR(l.classification.item(), kCe0 + kCe1 + kCe2, 1e-5);
  // Anchor 0's target code is 0: 0.5 * 0.5^2 + (2 - 0.5).
  EXPECT_NEAR(l.localization.item(), 1.625, 1e-5);
  // 4e-5 * (1 + 4) / 2; the unregularized bias does not count.
  EXPECT_NEAR(l.regularization.item(), 1e-4, 1e-9);
  EXPECT_NEAR(l.total.item(), kCe0 + kCe1 + kCe2 + 1.625 + 1e-4, 1e-5);
}

TEST(SsdLoss, HardMiningDropsEasyNegativesAndTheirGradients) {
  Case c;
  c.config.loss.max_negatives_per_positive = 1;
  c.config.loss.classification_weight = 2.f;
  SsdLosses l = ssd_loss(c.out, c.anchors, c.gt, c.params, c.config);
  // Loss order: anchor 0 (positive), 2, 1: one negative kept, anchor 2.
  EXPECT_NEAR(l.classification.item(), 2 * (kCe0 + kCe2), 1e-5);
  l.total.backward();
  std::vector<float> g = c.out.class_logits.grad().to_vector();
  auto sig = [](double x) { return 1 / (1 + std::exp(-x)); };
  EXPECT_NEAR(g[0], 2 * (sig(0) - 0), 1e-5);
  EXPECT_NEAR(g[1], 2 * (sig(2) - 1), 1e-5);
  EXPECT_EQ(g[2], 0.f);  // anchor 1 was not mined
  EXPECT_EQ(g[3], 0.f);
  EXPECT_NEAR(g[4], 2 * (sig(3) - 1), 1e-5);
  std::vector<float> gb = c.out.box_encodings.grad().to_vector();
  EXPECT_NEAR(gb[0], 0.5f, 1e-6);
  EXPECT_NEAR(gb[3], -1.f, 1e-6);
  EXPECT_EQ(gb[4], 0.f);  // unmatched: zero localization weight
  // d/dw of 4e-5 * sum(w^2) / 2 is 4e-5 * w.
  std::vector<float> gw = c.params.at("w").value.grad().to_vector();
  EXPECT_NEAR(gw[1], 8e-5f, 1e-10);
}

TEST(SsdLoss, NormalizesByMatchesAcrossTheBatch) {
  Case c;
  SsdOutput two;
  auto twice = [](const Tensor& t) {
    std::vector<float> v = t.to_vector();
    v.insert(v.end(), v.begin(), v.end());
    Shape s = t.shape();
    s[0] = 2;
    return Tensor::from_vector(v, s);
  };
  two.class_logits = twice(c.out.class_logits);
  two.box_encodings = twice(c.out.box_encodings);
  std::vector<GroundTruth> gt = {c.gt[0], c.gt[0]};
  SsdLosses l = ssd_loss(two, c.anchors, gt, c.params, c.config);
  EXPECT_EQ(l.num_matches, 2);
  EXPECT_NEAR(l.classification.item(), kCe0 + kCe1 + kCe2, 1e-5);  // 2x the sum over 2 matches
  EXPECT_NEAR(l.localization.item(), 1.625, 1e-5);
  // An image without groundtruth: the normalizer is max(matches, 1) and, with no positives,
  // mining keeps no negatives (min_negatives_per_image 0).
  SsdLosses empty = ssd_loss(c.out, c.anchors, {GroundTruth{}}, c.params, c.config);
  EXPECT_EQ(empty.num_matches, 0);
  EXPECT_EQ(empty.classification.item(), 0.f);
  EXPECT_EQ(empty.localization.item(), 0.f);
}

}  // namespace
}  // namespace tailor::models
