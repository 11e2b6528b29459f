// Augmentation semantics: TF1 resize_bilinear values, flip, and ssd_random_crop invariants.
#include "data/augment.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace tailor::data;

TEST(Resize, MatchesTf1ResizeBilinear) {
  // 2x2 -> 3x3, align_corners=false, half_pixel_centers=false: scale 2/3, source rows
  // 0, 0.667, 1.333 (clamped to the last row), TF's output for [[0,10],[20,30]].
  Image img;
  img.width = 2, img.height = 2;
  img.pixels = {0, 0, 0, 10, 10, 10, 20, 20, 20, 30, 30, 30};
  std::vector<float> out(27);
  resize_window_bilinear(img, {0, 0, 2, 2, false, 2}, 3, 3, out.data());
  const float want[9] = {0, 6.6666665f, 10, 13.333333f, 20, 23.333334f, 20, 26.666666f, 30};
  for (int i = 0; i < 9; ++i) EXPECT_NEAR(out[i * 3], want[i], 1e-4) << i;
  // Flipped window samples the mirror image.
  resize_window_bilinear(img, {0, 0, 2, 2, true, 2}, 2, 2, out.data());
  EXPECT_EQ(out[0], 10);
  EXPECT_EQ(out[3], 0);
}

TEST(Flip, MirrorsBoxes) {
  Rng rng(1);
  int flips = 0;
  for (int i = 0; i < 1000; ++i) {
    Window w{0, 0, 10, 10, false, 10};
    std::vector<NormBox> b{{0.1f, 0.2f, 0.5f, 0.3f, 1}};
    random_horizontal_flip(rng, &w, &b);
    if (w.flip) {
      ++flips;
      EXPECT_FLOAT_EQ(b[0].xmin, 0.7f);
      EXPECT_FLOAT_EQ(b[0].xmax, 0.8f);
    }
  }
  EXPECT_NEAR(flips, 500, 60);
}

TEST(SsdRandomCrop, InvariantsOver10000Draws) {
  const SsdCropParams p;
  Rng rng(12345);
  int kept_original = 0;
  for (int i = 0; i < 10000; ++i) {
    Rng r = example_rng(7, 0, i);
    std::vector<NormBox> boxes;
    int n = 1 + static_cast<int>(uniform_int(r, 4));
    for (int k = 0; k < n; ++k) {
      float y0 = uniform(r, 0, 0.8f), x0 = uniform(r, 0, 0.8f);
      boxes.push_back({y0, x0, y0 + uniform(r, 0.05f, 0.2f), x0 + uniform(r, 0.05f, 0.2f), k + 1});
    }
    Window w{0, 0, 550, 830, false, 550};
    SsdCropResult res = ssd_random_crop(rng, &w, &boxes, p);
    if (res.kept_original) {
      ++kept_original;
      EXPECT_EQ(w.w, 550);
      EXPECT_EQ(boxes.size(), res.input_boxes.size());
      continue;
    }
    EXPECT_GE(w.x, 0);
    EXPECT_GE(w.y, 0);
    EXPECT_LE(w.x + w.w, 550);
    EXPECT_LE(w.y + w.h, 830);
    const float thresh = p.overlap_thresh[res.choice];
    for (const NormBox& b : boxes) {
      for (float v : {b.ymin, b.xmin, b.ymax, b.xmax}) {
        EXPECT_GE(v, 0.f);
        EXPECT_LE(v, 1.f);
      }
      // Map back to the input frame and check the kept box's overlap with the crop.
      const NormBox& in = res.input_boxes[b.label - 1];
      float ih = std::min(in.ymax, res.crop[2]) - std::max(in.ymin, res.crop[0]);
      float iw = std::min(in.xmax, res.crop[3]) - std::max(in.xmin, res.crop[1]);
      float ioa =
          std::max(0.f, ih) * std::max(0.f, iw) / ((in.ymax - in.ymin) * (in.xmax - in.xmin));
      EXPECT_GE(ioa, thresh - 1e-6f);
      // Clipped, renormalized coordinates.
      EXPECT_NEAR(b.xmin,
                  std::clamp((in.xmin - res.crop[1]) / (res.crop[3] - res.crop[1]), 0.f, 1.f),
                  1e-5);
    }
    // Every dropped box really fails the threshold (or lies outside the window).
    for (const NormBox& in : res.input_boxes) {
      bool kept = false;
      for (const NormBox& b : boxes) kept |= b.label == in.label;
      if (kept) continue;
      float ih = std::min(in.ymax, res.crop[2]) - std::max(in.ymin, res.crop[0]);
      float iw = std::min(in.xmax, res.crop[3]) - std::max(in.xmin, res.crop[1]);
      float ioa =
          std::max(0.f, ih) * std::max(0.f, iw) / ((in.ymax - in.ymin) * (in.xmax - in.xmin));
      EXPECT_TRUE(ioa < thresh || ih <= 0 || iw <= 0);
    }
    // The area and aspect-ratio ranges hold for sampled crops.
    if (res.sampled) {
      float area = float(w.w) * w.h / (550.f * 830.f);
      EXPECT_GE(area, 0.1f - 1e-3f);
      EXPECT_LE(area, 1.0f);
      float ar = float(w.w) / w.h;
      EXPECT_GT(ar, 0.45f);
      EXPECT_LT(ar, 2.1f);
    }
  }
  EXPECT_GE(kept_original, 1200);
  EXPECT_LE(kept_original, 1800);
}

TEST(Augment, SameSeedSameOutput) {
  Image img;
  img.width = 40, img.height = 30;
  img.pixels.resize(40 * 30 * 3);
  for (size_t i = 0; i < img.pixels.size(); ++i) img.pixels[i] = uint8_t(i * 7);
  std::vector<AugmentStep> steps = {
      {"random_horizontal_flip", {}}, {"ssd_random_crop", {}},   {"random_adjust_brightness", {}},
      {"random_adjust_contrast", {}}, {"random_adjust_hue", {}}, {"random_adjust_saturation", {}}};
  std::vector<float> a(20 * 20 * 3), b(20 * 20 * 3);
  std::vector<NormBox> ba{{0.1f, 0.1f, 0.9f, 0.9f, 1}}, bb = ba;
  Rng r1 = example_rng(3, 1, 2), r2 = example_rng(3, 1, 2);
  augment_and_resize(img, &ba, steps, r1, 20, 20, a.data());
  augment_and_resize(img, &bb, steps, r2, 20, 20, b.data());
  EXPECT_EQ(a, b);
  for (float v : a) {
    EXPECT_GE(v, -1.f);
    EXPECT_LE(v, 1.f);
  }
}
