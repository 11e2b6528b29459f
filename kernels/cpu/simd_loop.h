#pragma once
// Run-time ISA dispatch for plain loops. The baseline build targets x86-64 (SSE2) so the one
// binary runs anywhere; these templates instantiate the same loop body inside functions
// compiled for AVX-512 or AVX2, where GCC's auto-vectorizer widens it, and pick one from
// simd_level() (CPUID, capped by TAILOR_SIMD). The body's lambda is inlined into the target
// function, so it is vectorized with that function's ISA.
//
// Kernel files that use these start with TAILOR_FP_CONTRACT_OFF (simd_target.h): without
// FMA contraction every ISA level computes bit-identical elementwise results; reductions use
// fixed lane counts and block sizes (reduce.cpp, column_reduce.h) for the same reason.
#include <cstdint>

#include "runtime/cpu_features.h"
#include "runtime/thread_pool.h"

namespace tailor::kernels::cpu {

// Elements per parallel_for chunk for streaming elementwise loops: large enough that the
// pool's wake-up cost is amortized, small enough to split SSD activations across cores.
constexpr int64_t kElementwiseGrain = 1 << 15;

namespace detail {
template <typename F>
__attribute__((target("avx512f,avx512vl,avx512bw,avx2,fma"))) void loop_avx512(int64_t b, int64_t e,
                                                                               F& f) {
  for (int64_t i = b; i < e; ++i) f(i);
}
template <typename F>
__attribute__((target("avx2,fma"))) void loop_avx2(int64_t b, int64_t e, F& f) {
  for (int64_t i = b; i < e; ++i) f(i);
}
template <typename F>
void loop_scalar(int64_t b, int64_t e, F& f) {
  for (int64_t i = b; i < e; ++i) f(i);
}
// Row-major 2-D variants: f(r, c), vectorized along c.
template <typename F>
__attribute__((target("avx512f,avx512vl,avx512bw,avx2,fma"))) void rows_avx512(int64_t rb,
                                                                               int64_t re,
                                                                               int64_t cols, F& f) {
  for (int64_t r = rb; r < re; ++r)
    for (int64_t c = 0; c < cols; ++c) f(r, c);
}
template <typename F>
__attribute__((target("avx2,fma"))) void rows_avx2(int64_t rb, int64_t re, int64_t cols, F& f) {
  for (int64_t r = rb; r < re; ++r)
    for (int64_t c = 0; c < cols; ++c) f(r, c);
}
template <typename F>
void rows_scalar(int64_t rb, int64_t re, int64_t cols, F& f) {
  for (int64_t r = rb; r < re; ++r)
    for (int64_t c = 0; c < cols; ++c) f(r, c);
}
}  // namespace detail

// Calls f(i) for i in [b, e) on this thread, with the widest ISA available.
template <typename F>
void simd_loop(int64_t b, int64_t e, F&& f) {
  switch (simd_level()) {
    case SimdLevel::Avx512:
      detail::loop_avx512(b, e, f);
      break;
    case SimdLevel::Avx2:
      detail::loop_avx2(b, e, f);
      break;
    default:
      detail::loop_scalar(b, e, f);
      break;
  }
}

// simd_loop over [0, n), split across the thread pool when n is large.
template <typename F>
void parallel_simd_loop(int64_t n, F&& f) {
  parallel_for(0, n, kElementwiseGrain, [&](int64_t b, int64_t e) { simd_loop(b, e, f); });
}

// Calls f(r, c) over rows [rb, re) x columns [0, cols) on this thread, vectorized along c.
template <typename F>
void simd_rows(int64_t rb, int64_t re, int64_t cols, F&& f) {
  switch (simd_level()) {
    case SimdLevel::Avx512:
      detail::rows_avx512(rb, re, cols, f);
      break;
    case SimdLevel::Avx2:
      detail::rows_avx2(rb, re, cols, f);
      break;
    default:
      detail::rows_scalar(rb, re, cols, f);
      break;
  }
}

// simd_rows over all rows, split by rows across the thread pool when large.
template <typename F>
void parallel_simd_rows(int64_t rows, int64_t cols, F&& f) {
  const int64_t grain = cols > 0 ? (kElementwiseGrain + cols - 1) / cols : rows;
  parallel_for(0, rows, grain, [&](int64_t b, int64_t e) { simd_rows(b, e, cols, f); });
}

}  // namespace tailor::kernels::cpu
