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

// The blocked order itself, for passes that do more than sum: block(r0, r1, partials) adds
// the terms of rows [r0, r1) (one block, in row order) into partials[k][0..C) for each of the
// `sums` column sums, and may also write elementwise outputs for those rows while they are in
// cache. outs[k] receives sum k.
template <int kSums, typename Block>
void column_reduce_blocks(int64_t rows, int64_t C, Block block, float* const (&outs)[kSums]) {
  const int64_t blocks = (rows + kRowBlock - 1) / kRowBlock;
  for (float* out : outs) std::fill(out, out + C, 0.f);
  if (blocks == 0 || C == 0) return;
  std::vector<float> partial(kSums * blocks * C, 0.f);
  const int64_t grain = std::max<int64_t>(1, kElementwiseGrain / (kRowBlock * C));
  parallel_for(0, blocks, grain, [&](int64_t b0, int64_t b1) {
    for (int64_t blk = b0; blk < b1; ++blk) {
      float* p[kSums];
      for (int k = 0; k < kSums; ++k) p[k] = partial.data() + (k * blocks + blk) * C;
      block(blk * kRowBlock, std::min(rows, (blk + 1) * kRowBlock), p);
    }
  });
  for (int k = 0; k < kSums; ++k) {
    const float* part = partial.data() + k * blocks * C;
    float* out = outs[k];
    simd_rows(0, blocks, C, [&](int64_t blk, int64_t c) { out[c] += part[blk * C + c]; });
  }
}

template <typename Term>
void column_reduce(int64_t rows, int64_t C, Term term, float* out) {
  column_reduce_blocks<1>(rows, C,
                          [&](int64_t r0, int64_t r1, float* const* p) {
                            float* s = p[0];
                            simd_rows(r0, r1, C, [&](int64_t r, int64_t c) { s[c] += term(r, c); });
                          },
                          {out});
}

// Two column sums in one pass over the rows, for terms that read the same inputs:
// term(r, c, a, b) sets a and b. Each sum is added in exactly column_reduce's order, so the
// results are bit-identical to two column_reduce calls.
template <typename Term>
void column_reduce2(int64_t rows, int64_t C, Term term, float* out_a, float* out_b) {
  column_reduce_blocks<2>(rows, C,
                          [&](int64_t r0, int64_t r1, float* const* p) {
                            float *pa = p[0], *pb = p[1];
                            simd_rows(r0, r1, C, [&](int64_t r, int64_t c) {
                              float a, b;
                              term(r, c, a, b);
                              pa[c] += a;
                              pb[c] += b;
                            });
                          },
                          {out_a, out_b});
}

}  // namespace tailor::kernels::cpu
