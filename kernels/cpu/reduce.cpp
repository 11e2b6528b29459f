// No FMA contraction: the AVX2/AVX-512 instantiations must round exactly like the scalar
// fallback and the reference loops, so results do not depend on the machine.
#include "kernels/cpu/simd_target.h"
TAILOR_FP_CONTRACT_OFF

#include "kernels/cpu/reduce.h"

#include <algorithm>
#include <vector>

#include "kernels/cpu/column_reduce.h"
#include "kernels/cpu/simd_loop.h"

namespace tailor::kernels::cpu {

namespace {
// 16 independent accumulators: wide enough for one AVX-512 register, and a fixed count so
// every ISA level (and the scalar fallback) adds in the same order.
constexpr int kLanes = 16;
// Elements per partial sum; partials are combined in order, independent of the thread count.
constexpr int64_t kSumBlock = 4096;

inline float lane_sum(const float* x, int64_t n) {
  float acc[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int l = 0; l < kLanes; ++l) acc[l] += x[i + l];
  for (int l = 0; i < n; ++i, ++l) acc[l] += x[i];
  for (int w = kLanes / 2; w > 0; w /= 2)
    for (int l = 0; l < w; ++l) acc[l] += acc[l + w];
  return acc[0];
}
}  // namespace

float sum(int64_t n, const float* x) {
  const int64_t blocks = (n + kSumBlock - 1) / kSumBlock;
  if (blocks <= 1) {
    float s = 0.f;
    simd_loop(0, 1, [&](int64_t) { s = lane_sum(x, n); });
    return s;
  }
  std::vector<float> partial(blocks);
  float* part = partial.data();
  parallel_for(0, blocks, 8, [&](int64_t b0, int64_t b1) {
    simd_loop(b0, b1, [&](int64_t b) {
      const int64_t s = b * kSumBlock;
      part[b] = lane_sum(x + s, std::min(kSumBlock, n - s));
    });
  });
  float total = 0.f;
  for (float p : partial) total += p;
  return total;
}

void sum_last_dim(int64_t rows, int64_t D, const float* x, float* y) {
  const int64_t grain = std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(D, 1));
  parallel_for(0, rows, grain, [&](int64_t b, int64_t e) {
    simd_loop(b, e, [&](int64_t r) { y[r] = lane_sum(x + r * D, D); });
  });
}

void sum_rows(int64_t rows, int64_t C, const float* x, float* y) {
  column_reduce(
      rows, C, [x, C](int64_t r, int64_t c) { return x[r * C + c]; }, y);
}

void broadcast_last_dim(int64_t rows, int64_t D, const float* g, float* y) {
  parallel_simd_rows(rows, D, [=](int64_t r, int64_t d) { y[r * D + d] = g[r]; });
}

float sum_ref(int64_t n, const float* x) {
  float s = 0.f;
  for (int64_t i = 0; i < n; ++i) s += x[i];
  return s;
}
void sum_last_dim_ref(int64_t rows, int64_t D, const float* x, float* y) {
  for (int64_t r = 0; r < rows; ++r) y[r] = sum_ref(D, x + r * D);
}
void sum_rows_ref(int64_t rows, int64_t C, const float* x, float* y) {
  for (int64_t c = 0; c < C; ++c) {
    float s = 0.f;
    for (int64_t r = 0; r < rows; ++r) s += x[r * C + c];
    y[c] = s;
  }
}
void broadcast_last_dim_ref(int64_t rows, int64_t D, const float* g, float* y) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t d = 0; d < D; ++d) y[r * D + d] = g[r];
}

}  // namespace tailor::kernels::cpu
