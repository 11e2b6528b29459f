#include "models/anchor_generator.h"

#include <gtest/gtest.h>

#include <cmath>

#include "models/ssd_architecture.h"
#include "runtime/error.h"

namespace tailor::models {
namespace {

std::vector<BoxCorners> anchors_for(int h, int w) {
  SsdConfig c;
  c.image_height = h;
  c.image_width = w;
  SsdArchitecture arch = build_ssd_architecture(c);
  return generate_ssd_anchors(c.anchors, arch.feature_maps, h, w);
}

TEST(AnchorGenerator, BoxSpecsFollowTfSsdAnchors) {
  auto specs = ssd_box_specs(AnchorConfig{});
  ASSERT_EQ(specs.size(), 6u);
  ASSERT_EQ(specs[0].size(), 3u);
  EXPECT_FLOAT_EQ(specs[0][0].scale, 0.1f);
  EXPECT_FLOAT_EQ(specs[0][1].scale, 0.2f);
  EXPECT_FLOAT_EQ(specs[0][1].aspect_ratio, 2.0f);
  EXPECT_FLOAT_EQ(specs[0][2].aspect_ratio, 0.5f);
  ASSERT_EQ(specs[1].size(), 6u);
  EXPECT_NEAR(specs[1][0].scale, 0.35f, 1e-6);
  EXPECT_NEAR(specs[1][5].scale, std::sqrt(0.35 * 0.5), 1e-6);  // interpolated scale
  EXPECT_NEAR(specs[5][5].scale, std::sqrt(0.95), 1e-6);        // next scale of the last is 1
  EXPECT_EQ(anchors_per_location(AnchorConfig{}), (std::vector<int>{3, 6, 6, 6, 6, 6}));
}

TEST(AnchorGenerator, FeatureMapsAndCountAt300) {
  SsdConfig c;
  SsdArchitecture arch = build_ssd_architecture(c);
  std::vector<int> sizes;
  for (auto fm : arch.feature_maps) {
    EXPECT_EQ(fm.height, fm.width);
    sizes.push_back(fm.height);
  }
  EXPECT_EQ(sizes, (std::vector<int>{19, 10, 5, 3, 2, 1}));
  EXPECT_EQ(anchors_for(300, 300).size(), 1917u);
}

TEST(AnchorGenerator, HandComputedAnchorsAt300) {
  auto a = anchors_for(300, 300);
  // Layer 0, cell (0, 0): center 0.5 / 19; box 0 is 0.1 x 0.1.
  const float c0 = 0.5f / 19.f;
  EXPECT_FLOAT_EQ(a[0].ymin, c0 - 0.05f);
  EXPECT_FLOAT_EQ(a[0].xmax, c0 + 0.05f);
  // Box 1: scale 0.2, aspect 2 -> h = 0.2 / sqrt(2), w = 0.2 * sqrt(2).
  EXPECT_NEAR(a[1].ymax - a[1].ymin, 0.2 / std::sqrt(2.0), 1e-6);
  EXPECT_NEAR(a[1].xmax - a[1].xmin, 0.2 * std::sqrt(2.0), 1e-6);
  // Box order is y, x, box: anchor 3 is cell (0, 1), anchor 3 * 19 is cell (1, 0).
  EXPECT_NEAR((a[3].xmin + a[3].xmax) / 2, 1.5 / 19, 1e-6);
  EXPECT_NEAR((a[3].ymin + a[3].ymax) / 2, 0.5 / 19, 1e-6);
  EXPECT_NEAR((a[57].ymin + a[57].ymax) / 2, 1.5 / 19, 1e-6);
  // Layer 1 starts at 19 * 19 * 3 = 1083: center 0.05, scale 0.35 square.
  EXPECT_NEAR(a[1083].ymin, 0.05 - 0.175, 1e-6);
  EXPECT_NEAR(a[1083].xmax, 0.05 + 0.175, 1e-6);
  // Last anchor: the 1x1 layer's interpolated box sqrt(0.95 * 1) centered at 0.5.
  const double half = std::sqrt(0.95) / 2;
  EXPECT_NEAR(a[1916].ymin, 0.5 - half, 1e-6);
  EXPECT_NEAR(a[1916].xmax, 0.5 + half, 1e-6);
}

TEST(AnchorGenerator, NonSquareImagesGetSquareAnchors) {
  // 300x600: TF scales the base size by min(h, w) / h and min(h, w) / w, so in normalized
  // coordinates an aspect-1 box is half as wide as it is high.
  auto a = anchors_for(300, 600);
  SsdConfig c;
  c.image_width = 600;
  auto arch = build_ssd_architecture(c);
  EXPECT_EQ(arch.feature_maps[0].height, 19);
  EXPECT_EQ(arch.feature_maps[0].width, 38);
  EXPECT_NEAR(a[0].ymax - a[0].ymin, 0.1, 1e-6);
  EXPECT_NEAR(a[0].xmax - a[0].xmin, 0.05, 1e-6);
  EXPECT_NEAR((a[0].xmin + a[0].xmax) / 2, 0.5 / 38, 1e-6);
}

TEST(AnchorGenerator, RejectsMismatchedFeatureMaps) {
  EXPECT_THROW(generate_ssd_anchors(AnchorConfig{}, {{19, 19}}, 300, 300), UserError);
}

}  // namespace
}  // namespace tailor::models
