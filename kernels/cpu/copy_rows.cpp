// No FMA contraction: the AVX2/AVX-512 instantiations must round exactly like the scalar
// fallback and the reference loops, so results do not depend on the machine.
#include "kernels/cpu/simd_target.h"
TAILOR_FP_CONTRACT_OFF

#include "kernels/cpu/copy_rows.h"

#include <algorithm>
#include <cstring>

#include "kernels/cpu/simd_loop.h"

namespace tailor::kernels::cpu {

namespace {
int64_t row_grain(int64_t width) {
  return std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(width, 1));
}
}  // namespace

void gather_rows(int64_t m, int64_t D, const float* x, const int32_t* index, float* y) {
  parallel_for(0, m, row_grain(D), [=](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) std::memcpy(y + i * D, x + index[i] * D, D * sizeof(float));
  });
}

void scatter_add_rows(int64_t m, int64_t D, const float* x, const int32_t* index, float* y) {
  // Rows may repeat in `index`, so rows are added sequentially (fixed order, deterministic);
  // the work is split across columns instead, which never collide.
  const int64_t col_grain = std::max<int64_t>(16, kElementwiseGrain / std::max<int64_t>(m, 1));
  parallel_for(0, D, col_grain, [=](int64_t c0, int64_t c1) {
    for (int64_t i = 0; i < m; ++i) {
      float* dst = y + index[i] * D;
      const float* src = x + i * D;
      simd_loop(c0, c1, [=](int64_t c) { dst[c] += src[c]; });
    }
  });
}

void copy_blocks(int64_t outer, int64_t width, const float* src, int64_t src_stride, float* dst,
                 int64_t dst_stride) {
  parallel_for(0, outer, row_grain(width), [=](int64_t b, int64_t e) {
    for (int64_t o = b; o < e; ++o)
      std::memcpy(dst + o * dst_stride, src + o * src_stride, width * sizeof(float));
  });
}

void gather_rows_ref(int64_t m, int64_t D, const float* x, const int32_t* index, float* y) {
  for (int64_t i = 0; i < m; ++i)
    for (int64_t d = 0; d < D; ++d) y[i * D + d] = x[index[i] * D + d];
}
void scatter_add_rows_ref(int64_t m, int64_t D, const float* x, const int32_t* index, float* y) {
  for (int64_t i = 0; i < m; ++i)
    for (int64_t d = 0; d < D; ++d) y[index[i] * D + d] += x[i * D + d];
}
void copy_blocks_ref(int64_t outer, int64_t width, const float* src, int64_t src_stride, float* dst,
                     int64_t dst_stride) {
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < width; ++j) dst[o * dst_stride + j] = src[o * src_stride + j];
}

}  // namespace tailor::kernels::cpu
