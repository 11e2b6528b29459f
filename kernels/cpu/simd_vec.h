#pragma once
// Minimal float-vector wrappers, one namespace per ISA with the same names (Vec, kLanes, load,
// fmadd, ...), so a kernel body is written once in a *_body.inc file and compiled per ISA by
// including it inside a TAILOR_TARGET_* region (simd_target.h; see sgemm.cpp). The baseline build
// targets plain x86-64, so the AVX-512 and AVX2 code only runs when CPUID says it can.
//
// The *_partial functions touch only the first n < kLanes lanes: channel tails are handled with
// masks instead of scalar epilogues, and never read or write past the end of a row.
#include <immintrin.h>

#include <cstdint>

#include "kernels/cpu/simd_target.h"
#include "runtime/cpu_features.h"

#define TAILOR_SIMD_INLINE static inline __attribute__((always_inline))

namespace tailor::kernels::cpu::simd {

TAILOR_TARGET_AVX512_BEGIN
namespace avx512 {
constexpr int kLanes = 16;
using Vec = __m512;
TAILOR_SIMD_INLINE Vec zero() {
  return _mm512_setzero_ps();
}
TAILOR_SIMD_INLINE Vec set1(float v) {
  return _mm512_set1_ps(v);
}
TAILOR_SIMD_INLINE Vec load(const float* p) {
  return _mm512_loadu_ps(p);
}
TAILOR_SIMD_INLINE void store(float* p, Vec v) {
  _mm512_storeu_ps(p, v);
}
TAILOR_SIMD_INLINE Vec add(Vec a, Vec b) {
  return _mm512_add_ps(a, b);
}
TAILOR_SIMD_INLINE Vec mul(Vec a, Vec b) {
  return _mm512_mul_ps(a, b);
}
TAILOR_SIMD_INLINE Vec fmadd(Vec a, Vec b, Vec c) {
  return _mm512_fmadd_ps(a, b, c);
}
// ReLU6: min(max(v, 0), 6) (a NaN becomes 0, as max(NaN, 0) returns its second operand).
// GCC 12 warns that the intrinsics' unused pass-through operand is uninitialized; it is not read.
#if !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
TAILOR_SIMD_INLINE Vec relu6(Vec v) {
  return _mm512_min_ps(_mm512_max_ps(v, _mm512_setzero_ps()), _mm512_set1_ps(6.f));
}
#if !defined(__clang__)
#pragma GCC diagnostic pop
#endif
TAILOR_SIMD_INLINE __mmask16 lane_mask(int64_t n) {
  return static_cast<__mmask16>((1u << n) - 1);
}
TAILOR_SIMD_INLINE Vec load_partial(const float* p, int64_t n) {
  return _mm512_maskz_loadu_ps(lane_mask(n), p);
}
TAILOR_SIMD_INLINE void store_partial(float* p, Vec v, int64_t n) {
  _mm512_mask_storeu_ps(p, lane_mask(n), v);
}
// The shuffles of the in-register transpose (transpose_body.inc). (The same GCC 12 warning as
// relu6's, for the intrinsics' pass-through operand.)
#if !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
TAILOR_SIMD_INLINE Vec unpack_lo(Vec a, Vec b) {
  return _mm512_unpacklo_ps(a, b);
}
TAILOR_SIMD_INLINE Vec unpack_hi(Vec a, Vec b) {
  return _mm512_unpackhi_ps(a, b);
}
TAILOR_SIMD_INLINE Vec pairs_lo(Vec a, Vec b) {
  return _mm512_shuffle_ps(a, b, 0x44);
}
TAILOR_SIMD_INLINE Vec pairs_hi(Vec a, Vec b) {
  return _mm512_shuffle_ps(a, b, 0xEE);
}
// The even and the odd 128-bit blocks of a, then of b.
TAILOR_SIMD_INLINE Vec blocks_even(Vec a, Vec b) {
  return _mm512_shuffle_f32x4(a, b, 0x88);
}
TAILOR_SIMD_INLINE Vec blocks_odd(Vec a, Vec b) {
  return _mm512_shuffle_f32x4(a, b, 0xDD);
}
#include "kernels/cpu/transpose_body.inc"
#if !defined(__clang__)
#pragma GCC diagnostic pop
#endif
}  // namespace avx512
TAILOR_TARGET_END

TAILOR_TARGET_AVX2_BEGIN
namespace avx2 {
constexpr int kLanes = 8;
using Vec = __m256;
// Eight -1 then eight 0: the window starting at 8 - n enables the first n lanes.
alignas(64) constexpr int32_t kMaskWindow[16] = {-1, -1, -1, -1, -1, -1, -1, -1,
                                                 0,  0,  0,  0,  0,  0,  0,  0};
TAILOR_SIMD_INLINE Vec zero() {
  return _mm256_setzero_ps();
}
TAILOR_SIMD_INLINE Vec set1(float v) {
  return _mm256_set1_ps(v);
}
TAILOR_SIMD_INLINE Vec load(const float* p) {
  return _mm256_loadu_ps(p);
}
TAILOR_SIMD_INLINE void store(float* p, Vec v) {
  _mm256_storeu_ps(p, v);
}
TAILOR_SIMD_INLINE Vec add(Vec a, Vec b) {
  return _mm256_add_ps(a, b);
}
TAILOR_SIMD_INLINE Vec mul(Vec a, Vec b) {
  return _mm256_mul_ps(a, b);
}
TAILOR_SIMD_INLINE Vec fmadd(Vec a, Vec b, Vec c) {
  return _mm256_fmadd_ps(a, b, c);
}
TAILOR_SIMD_INLINE Vec relu6(Vec v) {
  return _mm256_min_ps(_mm256_max_ps(v, _mm256_setzero_ps()), _mm256_set1_ps(6.f));
}
TAILOR_SIMD_INLINE __m256i lane_mask(int64_t n) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kMaskWindow + 8 - n));
}
TAILOR_SIMD_INLINE Vec load_partial(const float* p, int64_t n) {
  return _mm256_maskload_ps(p, lane_mask(n));
}
TAILOR_SIMD_INLINE void store_partial(float* p, Vec v, int64_t n) {
  _mm256_maskstore_ps(p, lane_mask(n), v);
}
// The shuffles of the in-register transpose (transpose_body.inc).
TAILOR_SIMD_INLINE Vec unpack_lo(Vec a, Vec b) {
  return _mm256_unpacklo_ps(a, b);
}
TAILOR_SIMD_INLINE Vec unpack_hi(Vec a, Vec b) {
  return _mm256_unpackhi_ps(a, b);
}
TAILOR_SIMD_INLINE Vec pairs_lo(Vec a, Vec b) {
  return _mm256_shuffle_ps(a, b, 0x44);
}
TAILOR_SIMD_INLINE Vec pairs_hi(Vec a, Vec b) {
  return _mm256_shuffle_ps(a, b, 0xEE);
}
// The low (even) and the high (odd) 128-bit halves of a and b.
TAILOR_SIMD_INLINE Vec blocks_even(Vec a, Vec b) {
  return _mm256_permute2f128_ps(a, b, 0x20);
}
TAILOR_SIMD_INLINE Vec blocks_odd(Vec a, Vec b) {
  return _mm256_permute2f128_ps(a, b, 0x31);
}
#include "kernels/cpu/transpose_body.inc"
}  // namespace avx2
TAILOR_TARGET_END

// One lane: the fallback for machines without AVX2+FMA, and a readable model of the others.
namespace scalar {
constexpr int kLanes = 1;
using Vec = float;
TAILOR_SIMD_INLINE Vec zero() {
  return 0.f;
}
TAILOR_SIMD_INLINE Vec set1(float v) {
  return v;
}
TAILOR_SIMD_INLINE Vec load(const float* p) {
  return *p;
}
TAILOR_SIMD_INLINE void store(float* p, Vec v) {
  *p = v;
}
TAILOR_SIMD_INLINE Vec add(Vec a, Vec b) {
  return a + b;
}
TAILOR_SIMD_INLINE Vec mul(Vec a, Vec b) {
  return a * b;
}
TAILOR_SIMD_INLINE Vec fmadd(Vec a, Vec b, Vec c) {
  return a * b + c;
}
TAILOR_SIMD_INLINE Vec relu6(Vec v) {
  const float m = v > 0.f ? v : 0.f;  // NaN fails the test and becomes 0, like maxps
  return m < 6.f ? m : 6.f;
}
TAILOR_SIMD_INLINE Vec load_partial(const float* p, int64_t n) {
  return n > 0 ? *p : 0.f;
}
TAILOR_SIMD_INLINE void store_partial(float* p, Vec v, int64_t n) {
  if (n > 0) *p = v;
}
TAILOR_SIMD_INLINE void transpose_block(Vec*) {}  // a 1 x 1 block
}  // namespace scalar

}  // namespace tailor::kernels::cpu::simd
