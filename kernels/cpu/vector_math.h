#pragma once
// exp and log1p for the loss and sigmoid kernels, written with +, -, *, / and selects only, so
// that GCC vectorizes a loop that calls them (libm's expf and log1pf are scalar calls: the
// training step's sigmoid cross-entropy, forward and backward, spent most of its time in them).
// In a file compiled with TAILOR_FP_CONTRACT_OFF every ISA level rounds exactly like the scalar
// code. Cephes' single-precision polynomials (Moshier): within 3 ulp of the true values over
// the ranges below (tests/kernels/vector_math_test.cpp checks them against double).
#include <cstdint>
#include <cstring>

namespace tailor::kernels::cpu {

// e^x for x <= 0. Below -87.3 (where e^x leaves the normal floats) it returns 0.
inline float exp_nonpositive(float x) {
  const float clamped = x < -87.3f ? -87.3f : x;
  // e^x = 2^n e^r with n = round(x / ln 2): adding 1.5 * 2^23 rounds to an integer.
  const float n = (clamped * 1.44269504088896341f + 12582912.f) - 12582912.f;
  // r = x - n ln 2, with ln 2 split in two so that n * 0.693359375 is exact.
  const float r = (clamped - n * 0.693359375f) + n * 2.12194440e-4f;
  const float r2 = r * r;
  // e^r = 1 + r + r^2 (1/2 + r/6 + ...), by Horner.
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r2 + r + 1.f;
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;  // 2^n, n >= -126
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return x < -87.3f ? 0.f : p * scale;
}

// log(1 + t) for t in [0, 1].
inline float log1p_unit(float t) {
  const float u = 1.f + t;  // in [1, 2]
  // log u = e ln 2 + log m with m = u or u / 2 in [sqrt(1/2), sqrt(2)].
  const bool halve = u > 1.41421356237f;
  const float e = halve ? 1.f : 0.f;
  const float x = (halve ? u * 0.5f : u) - 1.f;
  const float z = x * x;
  // log(1 + x) = x - x^2 / 2 + x^3 q(x), by Horner.
  float q = 7.0376836292e-2f;
  q = q * x - 1.1514610310e-1f;
  q = q * x + 1.1676998740e-1f;
  q = q * x - 1.2420140846e-1f;
  q = q * x + 1.4249322787e-1f;
  q = q * x - 1.6668057665e-1f;
  q = q * x + 2.0000714765e-1f;
  q = q * x - 2.4999993993e-1f;
  q = q * x + 3.3333331174e-1f;
  float y = q * x * z;
  y = y - 2.12194440e-4f * e - 0.5f * z;
  const float log_u = x + y + 0.693359375f * e;
  // u rounds 1 + t; scaling by t / (u - 1) corrects for that rounding (Goldberg 1991).
  const float rounded = u - 1.f;
  return rounded == 0.f ? t : log_u * (t / (rounded == 0.f ? 1.f : rounded));
}

// 1 / (1 + e^-x), without overflow for either sign.
inline float sigmoid_stable(float x) {
  const float e = exp_nonpositive(x >= 0.f ? -x : x);
  return x >= 0.f ? 1.f / (1.f + e) : e / (1.f + e);
}

}  // namespace tailor::kernels::cpu
