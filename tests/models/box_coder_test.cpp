#include "models/box_coder.h"

#include <gtest/gtest.h>

#include <cmath>

namespace tailor::models {
namespace {

TEST(BoxCoder, EncodesLikeTf) {
  BoxCoderConfig s;
  // Anchor center (0.5, 0.5), size 1; box center (0.3, 0.4), size 0.4 x 0.4.
  BoxCode c = encode_box({0.1f, 0.2f, 0.5f, 0.6f}, {0.f, 0.f, 1.f, 1.f}, s);
  EXPECT_NEAR(c.ty, -2.0f, 1e-5);
  EXPECT_NEAR(c.tx, -1.0f, 1e-5);
  EXPECT_NEAR(c.th, 5.0 * std::log(0.4), 1e-5);
  EXPECT_NEAR(c.tw, 5.0 * std::log(0.4), 1e-5);
}

TEST(BoxCoder, EpsilonKeepsDegenerateBoxesFinite) {
  BoxCode c = encode_box({0.5f, 0.5f, 0.5f, 0.5f}, {0.f, 0.f, 1.f, 1.f}, BoxCoderConfig{});
  EXPECT_TRUE(std::isfinite(c.th));
  EXPECT_NEAR(c.th, 5.0 * std::log(1e-8 / (1 + 1e-8)), 1e-3);
}

TEST(BoxCoder, RoundTrip) {
  BoxCoderConfig s;
  const BoxCorners anchors[] = {{0.1f, 0.1f, 0.3f, 0.4f}, {0.5f, 0.2f, 0.9f, 0.35f}};
  const BoxCorners boxes[] = {{0.12f, 0.05f, 0.33f, 0.5f}, {0.4f, 0.25f, 0.95f, 0.3f}};
  for (const auto& a : anchors)
    for (const auto& b : boxes) {
      BoxCorners d = decode_box(encode_box(b, a, s), a, s);
      EXPECT_NEAR(d.ymin, b.ymin, 1e-5);
      EXPECT_NEAR(d.xmin, b.xmin, 1e-5);
      EXPECT_NEAR(d.ymax, b.ymax, 1e-5);
      EXPECT_NEAR(d.xmax, b.xmax, 1e-5);
    }
}

TEST(BoxCoder, DecodesZeroCodeToTheAnchor) {
  std::vector<float> codes(8, 0.f);
  std::vector<BoxCorners> anchors = {{0.1f, 0.2f, 0.3f, 0.6f}, {0.f, 0.f, 1.f, 1.f}};
  auto d = decode_boxes(codes.data(), anchors, BoxCoderConfig{});
  EXPECT_FLOAT_EQ(d[0].ymin, 0.1f);
  EXPECT_FLOAT_EQ(d[0].xmax, 0.6f);
  EXPECT_FLOAT_EQ(d[1].ymax, 1.f);
}

TEST(Box, IouLikeTf) {
  EXPECT_FLOAT_EQ(iou({0, 0, 1, 1}, {0, 0.5f, 1, 1.5f}), 1.f / 3.f);
  EXPECT_FLOAT_EQ(iou({0, 0, 1, 1}, {2, 2, 3, 3}), 0.f);
  EXPECT_FLOAT_EQ(iou({0, 0, 0, 0}, {0, 0, 0, 0}), 0.f);
  auto m = iou_matrix({{0, 0, 1, 1}}, {{0, 0, 1, 1}, {0, 0, 0.5f, 1}});
  EXPECT_EQ(m, (std::vector<float>{1.f, 0.5f}));
}

}  // namespace
}  // namespace tailor::models
