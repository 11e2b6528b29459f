#pragma once
// Deterministic per-column sums over a row-major [rows, C] domain: out[c] = sum_r term(r, c).
// Rows are summed in fixed blocks of kRowBlock (in parallel), then the block partials are
// added in block order, so the result depends only on the shape, never on the thread count.
// Inside a block the sum runs down the rows, vectorized across columns.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "kernels/cpu/simd_loop.h"

namespace tailor::kernels::cpu {

constexpr int64_t kRowBlock = 256;

template <typename Term>
void column_reduce(int64_t rows, int64_t C, Term term, float* out) {
  const int64_t blocks = (rows + kRowBlock - 1) / kRowBlock;
  std::fill(out, out + C, 0.f);
  if (blocks == 0 || C == 0) return;
  std::vector<float> partial(blocks * C, 0.f);
  float* part = partial.data();
  const int64_t grain = std::max<int64_t>(1, kElementwiseGrain / (kRowBlock * C));
  parallel_for(0, blocks, grain, [&](int64_t b0, int64_t b1) {
    for (int64_t blk = b0; blk < b1; ++blk) {
      float* p = part + blk * C;
      const int64_t r0 = blk * kRowBlock, r1 = std::min(rows, r0 + kRowBlock);
      simd_rows(r0, r1, C, [&](int64_t r, int64_t c) { p[c] += term(r, c); });
    }
  });
  simd_rows(0, blocks, C, [&](int64_t blk, int64_t c) { out[c] += part[blk * C + c]; });
}

// Two column sums in one pass over the rows, for terms that read the same inputs:
// term(r, c, a, b) sets a and b. Each sum is added in exactly column_reduce's order, so the
// results are bit-identical to two column_reduce calls.
template <typename Term>
void column_reduce2(int64_t rows, int64_t C, Term term, float* out_a, float* out_b) {
  const int64_t blocks = (rows + kRowBlock - 1) / kRowBlock;
  std::fill(out_a, out_a + C, 0.f);
  std::fill(out_b, out_b + C, 0.f);
  if (blocks == 0 || C == 0) return;
  std::vector<float> partial(2 * blocks * C, 0.f);
  float* part_a = partial.data();
  float* part_b = part_a + blocks * C;
  const int64_t grain = std::max<int64_t>(1, kElementwiseGrain / (kRowBlock * C));
  parallel_for(0, blocks, grain, [&](int64_t b0, int64_t b1) {
    for (int64_t blk = b0; blk < b1; ++blk) {
      float* pa = part_a + blk * C;
      float* pb = part_b + blk * C;
      const int64_t r0 = blk * kRowBlock, r1 = std::min(rows, r0 + kRowBlock);
      simd_rows(r0, r1, C, [&](int64_t r, int64_t c) {
        float a, b;
        term(r, c, a, b);
        pa[c] += a;
        pb[c] += b;
      });
    }
  });
  simd_rows(0, blocks, C, [&](int64_t blk, int64_t c) {
    out_a[c] += part_a[blk * C + c];
    out_b[c] += part_b[blk * C + c];
  });
}

}  // namespace tailor::kernels::cpu
