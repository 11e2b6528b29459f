// The vectorized photometric adjustments against their reference loops, bit for bit: a
// training run's augmented images must not depend on the machine's vector width. The pixels
// include the cases where the HSV conversion branches: grey (no hue), black (no saturation),
// ties between the largest channels, the primaries and secondaries (sector boundaries), and
// the ends of [0, 255].
#include "kernels/cpu/color.h"

#include <gtest/gtest.h>

#include <functional>
#include <random>
#include <vector>

namespace tailor {
namespace {

namespace k = kernels::cpu;

std::vector<float> test_pixels() {
  std::vector<float> rgb = {0,   0,   0,   255, 255, 255, 128, 128, 128, 255, 0,   0,   0,
                            255, 0,   0,   0,   255, 255, 255, 0,   0,   255, 255, 255, 0,
                            255, 200, 200, 10,  10,  200, 200, 200, 10,  200, 1,   0,   0,
                            0,   0,   1,   254, 255, 255, 255, 254, 0,   0,   254, 255};
  std::mt19937 rng(31);
  std::uniform_real_distribution<float> any(0.f, 255.f);
  std::uniform_int_distribution<int> level(0, 255);
  for (int i = 0; i < 3000; ++i) rgb.push_back(any(rng));    // resized: fractional values
  for (int i = 0; i < 3003; ++i) rgb.push_back(level(rng));  // decoded: whole values
  rgb.push_back(17.f);  // an odd pixel count leaves a vector tail
  rgb.push_back(99.f);
  rgb.push_back(230.f);
  return rgb;
}

void expect_same_as_reference(const char* what, float param,
                              const std::function<void(float*, int64_t, float)>& fast,
                              const std::function<void(float*, int64_t, float)>& ref) {
  std::vector<float> got = test_pixels(), want = got;
  const int64_t pixels = static_cast<int64_t>(got.size() / 3);
  ASSERT_EQ(pixels % 2, 1);
  fast(got.data(), pixels, param);
  ref(want.data(), pixels, param);
  int64_t differ = 0;
  for (size_t i = 0; i < got.size(); ++i) differ += got[i] != want[i];
  EXPECT_EQ(differ, 0) << what << " " << param;
  EXPECT_NE(got, test_pixels()) << what << " " << param << " changed nothing";
}

TEST(Color, BrightnessAndContrastMatchTheReference) {
  for (float delta : {-0.2f, 0.05f, 0.2f})
    expect_same_as_reference("brightness", delta, k::adjust_brightness, k::adjust_brightness_ref);
  for (float factor : {0.5f, 0.8f, 1.25f, 2.f})
    expect_same_as_reference("contrast", factor, k::adjust_contrast, k::adjust_contrast_ref);
}

TEST(Color, SaturationAndHueMatchTheReference) {
  for (float factor : {0.f, 0.8f, 1.25f, 3.f})
    expect_same_as_reference("saturation", factor, k::adjust_saturation, k::adjust_saturation_ref);
  for (float delta : {-0.5f, -0.2f, -0.02f, 0.02f, 0.2f, 0.5f})
    expect_same_as_reference("hue", delta, k::adjust_hue, k::adjust_hue_ref);
}

TEST(Color, GrayMatchesTheReference) {
  expect_same_as_reference(
      "gray", 0.f, [](float* p, int64_t n, float) { k::to_gray(p, n); },
      [](float* p, int64_t n, float) { k::to_gray_ref(p, n); });
}

// Known values: TF's adjust_saturation leaves a grey pixel grey and takes a saturated one to
// grey at factor 0; adjust_hue by a third of the circle turns red into green.
TEST(Color, KnownValues) {
  std::vector<float> px = {100, 100, 100, 255, 0, 0};
  k::adjust_saturation(px.data(), 2, 0.f);
  EXPECT_EQ(px, (std::vector<float>{100, 100, 100, 255, 255, 255}));
  px = {255, 0, 0};
  k::adjust_hue(px.data(), 1, 1.f / 3.f);
  EXPECT_NEAR(px[0], 0.f, 1e-3f);
  EXPECT_NEAR(px[1], 255.f, 1e-3f);
  EXPECT_NEAR(px[2], 0.f, 1e-3f);
}

}  // namespace
}  // namespace tailor
