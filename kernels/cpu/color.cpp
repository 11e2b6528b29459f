// No FMA contraction: the AVX2/AVX-512 instantiations must round exactly like the reference
// loops (compiled for plain x86-64, which has no FMA), so an augmented image is the same bits on
// every machine.
#include "kernels/cpu/simd_target.h"
TAILOR_FP_CONTRACT_OFF
// No traps: GCC left the AVX2 loops scalar otherwise (a clipped value scaled afterwards).
TAILOR_FP_NO_TRAPS

#include <algorithm>
#include <cmath>

#include "kernels/cpu/color.h"
#include "kernels/cpu/simd_loop.h"

namespace tailor::kernels::cpu {

namespace {

// std::min(1, std::max(0, v)) as selects: GCC's AVX2 loops vectorize these and not the
// reference-returning std::min and std::max (the same value, NaN included: it becomes 0).
inline float clip01(float v) {
  const float lo = 0.f < v ? v : 0.f;
  return lo < 1.f ? lo : 1.f;
}
inline float max_of(float a, float b) {
  return a < b ? b : a;
}
inline float min_of(float a, float b) {
  return b < a ? b : a;
}
inline float brighter(float v, float delta) {
  return clip01(v / 255.f + delta) * 255.f;
}
// tf.image.rgb_to_grayscale's weights, the grey written to all three channels.
inline void gray_pixel(float* p) {
  const float g = 0.2989f * p[0] + 0.587f * p[1] + 0.114f * p[2];
  p[0] = p[1] = p[2] = g;
}

// ---- The reference: TF's rgb_to_hsv / hsv_to_rgb (values in [0, 1], hue in [0, 1)) ----

void rgb_to_hsv_ref(float r, float g, float b, float* h, float* s, float* v) {
  float mx = std::max({r, g, b}), mn = std::min({r, g, b});
  float range = mx - mn;
  *v = mx;
  *s = mx > 0 ? range / mx : 0.f;
  float hh = 0;
  if (range > 0) {
    if (mx == r)
      hh = (g - b) / range;
    else if (mx == g)
      hh = 2.f + (b - r) / range;
    else
      hh = 4.f + (r - g) / range;
    hh /= 6.f;
    if (hh < 0) hh += 1.f;
  }
  *h = hh;
}

void hsv_to_rgb_ref(float h, float s, float v, float* r, float* g, float* b) {
  float c = s * v, m = v - c;
  float dh = h * 6.f;
  float fmodu = std::fmod(dh, 2.f);
  float x = c * (1 - std::fabs(fmodu - 1));
  float rr = 0, gg = 0, bb = 0;
  int sector = static_cast<int>(std::floor(dh));
  switch (((sector % 6) + 6) % 6) {
    case 0:
      rr = c, gg = x;
      break;
    case 1:
      rr = x, gg = c;
      break;
    case 2:
      gg = c, bb = x;
      break;
    case 3:
      gg = x, bb = c;
      break;
    case 4:
      rr = x, bb = c;
      break;
    default:
      rr = c, bb = x;
      break;
  }
  *r = rr + m, *g = gg + m, *b = bb + m;
}

// The reference's pixel loop: to HSV, adjust(h, s), back to RGB, one pixel at a time.
template <typename Adjust>
void adjust_in_hsv_ref(float* rgb, int64_t pixels, Adjust adjust) {
  for (int64_t i = 0; i < pixels; ++i) {
    float* p = rgb + i * 3;
    float h, s, v;
    rgb_to_hsv_ref(p[0] / 255.f, p[1] / 255.f, p[2] / 255.f, &h, &s, &v);
    adjust(h, s);
    float r, g, b;
    hsv_to_rgb_ref(h, s, v, &r, &g, &b);
    p[0] = clip01(r) * 255.f, p[1] = clip01(g) * 255.f, p[2] = clip01(b) * 255.f;
  }
}

// ---- The same arithmetic without branches, so that the pixel loops vectorize ----
// Every lane computes all the alternatives and selects one; the selected value is computed by
// the reference's operations in the reference's order, so the bits are equal. A hue h in [0,
// 1] puts h * 6 in [0, 6], where fmod(dh, 2) = dh - 2 * floor(dh / 2) exactly (each step is
// exact there), floor is the conversion to int, and sector 6 (h = 1) is sector 0, as the
// reference's % 6 makes it.

inline void rgb_to_hsv(float r, float g, float b, float& h, float& s, float& v) {
  const float mx = max_of(max_of(r, g), b), mn = min_of(min_of(r, g), b);
  const float range = mx - mn;
  // The quotients are computed for every pixel and selected after: a division inside a branch
  // (it may trap) keeps GCC from vectorizing the loop.
  const float sat = range / mx;
  const float from_r = (g - b) / range, from_g = 2.f + (b - r) / range;
  const float from_b = 4.f + (r - g) / range;
  v = mx;
  s = mx > 0 ? sat : 0.f;
  float hh = (mx == r ? from_r : mx == g ? from_g : from_b) / 6.f;
  hh = hh < 0 ? hh + 1.f : hh;
  h = range > 0 ? hh : 0.f;
}

inline void hsv_to_rgb(float h, float s, float v, float& r, float& g, float& b) {
  const float c = s * v, m = v - c;
  const float dh = h * 6.f;
  // floor by conversion (dh >= 0): GCC does not vectorize floorf under -ftrapping-math.
  const float fmodu = dh - 2.f * static_cast<float>(static_cast<int>(dh * 0.5f));
  const float x = c * (1 - std::fabs(fmodu - 1));
  const float sector = static_cast<float>(static_cast<int>(dh));
  // The reference's switch as selects (`|`, not `||`: no branches).
  const bool s0 = (sector == 0.f) | (sector == 6.f), s1 = sector == 1.f, s2 = sector == 2.f;
  const bool s3 = sector == 3.f, s4 = sector == 4.f, s5 = sector == 5.f;
  const float rr = s0 | s5 ? c : s1 | s4 ? x : 0.f;
  const float gg = s1 | s2 ? c : s0 | s3 ? x : 0.f;
  const float bb = s3 | s4 ? c : s2 | s5 ? x : 0.f;
  r = rr + m, g = gg + m, b = bb + m;
}

// Each pixel to HSV, adjust(h, s) on it, and back, in two vectorized passes over the image (the
// HSV values parked in its place): with both conversions in one loop body GCC vectorized
// neither.
template <typename Adjust>
void adjust_in_hsv(float* rgb, int64_t pixels, Adjust adjust) {
  simd_loop(0, pixels, [=](int64_t i) {
    float* p = rgb + i * 3;
    float h, s, v;
    rgb_to_hsv(p[0] / 255.f, p[1] / 255.f, p[2] / 255.f, h, s, v);
    adjust(h, s);
    p[0] = h, p[1] = s, p[2] = v;
  });
  simd_loop(0, pixels, [=](int64_t i) {
    float* p = rgb + i * 3;
    float r, g, b;
    hsv_to_rgb(p[0], p[1], p[2], r, g, b);
    p[0] = clip01(r) * 255.f, p[1] = clip01(g) * 255.f, p[2] = clip01(b) * 255.f;
  });
}

}  // namespace

void adjust_brightness(float* rgb, int64_t pixels, float delta) {
  simd_loop(0, pixels * 3, [=](int64_t i) { rgb[i] = brighter(rgb[i], delta); });
}

void adjust_brightness_ref(float* rgb, int64_t pixels, float delta) {
  for (int64_t i = 0; i < pixels * 3; ++i) rgb[i] = brighter(rgb[i], delta);
}

namespace {
// The per-channel mean of the image in [0, 1], summed in double in pixel order.
void channel_means(const float* rgb, int64_t pixels, float mean[3]) {
  double sum[3] = {0, 0, 0};
  for (int64_t i = 0; i < pixels; ++i)
    for (int c = 0; c < 3; ++c) sum[c] += rgb[i * 3 + c] / 255.f;
  for (int c = 0; c < 3; ++c) mean[c] = static_cast<float>(sum[c] / std::max<int64_t>(pixels, 1));
}
}  // namespace

void adjust_contrast(float* rgb, int64_t pixels, float factor) {
  float mean[3];
  channel_means(rgb, pixels, mean);
  const float m0 = mean[0], m1 = mean[1], m2 = mean[2];
  simd_loop(0, pixels, [=](int64_t i) {
    float* p = rgb + i * 3;
    p[0] = clip01((p[0] / 255.f - m0) * factor + m0) * 255.f;
    p[1] = clip01((p[1] / 255.f - m1) * factor + m1) * 255.f;
    p[2] = clip01((p[2] / 255.f - m2) * factor + m2) * 255.f;
  });
}

void adjust_contrast_ref(float* rgb, int64_t pixels, float factor) {
  float mean[3];
  channel_means(rgb, pixels, mean);
  for (int64_t i = 0; i < pixels; ++i)
    for (int c = 0; c < 3; ++c) {
      const float v = rgb[i * 3 + c] / 255.f;
      rgb[i * 3 + c] = clip01((v - mean[c]) * factor + mean[c]) * 255.f;
    }
}

void adjust_hue(float* rgb, int64_t pixels, float delta) {
  adjust_in_hsv(rgb, pixels, [delta](float& h, float&) {
    // fmod(h + delta, 1), exact for |h + delta| < 2; trunc by conversion, as in hsv_to_rgb.
    const float shifted = h + delta;
    h = shifted - static_cast<float>(static_cast<int>(shifted));
    h = h < 0 ? h + 1.f : h;
  });
}

void adjust_hue_ref(float* rgb, int64_t pixels, float delta) {
  adjust_in_hsv_ref(rgb, pixels, [delta](float& h, float&) {
    h = std::fmod(h + delta, 1.f);
    if (h < 0) h += 1.f;
  });
}

void adjust_saturation(float* rgb, int64_t pixels, float factor) {
  adjust_in_hsv(rgb, pixels, [factor](float&, float& s) { s = clip01(s * factor); });
}

void adjust_saturation_ref(float* rgb, int64_t pixels, float factor) {
  adjust_in_hsv_ref(rgb, pixels, [factor](float&, float& s) { s = clip01(s * factor); });
}

void to_gray(float* rgb, int64_t pixels) {
  simd_loop(0, pixels, [=](int64_t i) { gray_pixel(rgb + i * 3); });
}

void to_gray_ref(float* rgb, int64_t pixels) {
  for (int64_t i = 0; i < pixels; ++i) gray_pixel(rgb + i * 3);
}

}  // namespace tailor::kernels::cpu
