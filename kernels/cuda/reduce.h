#pragma once
// Deterministic reductions (device pointers, Tailor's stream): per-block partial sums, then one
// block folds them in a fixed order, so repeated runs give identical bits.
#include <cstdint>

namespace tailor::kernels::cuda {

// out[0] = sum of x[0..n) (out is a device scalar; 0 for n == 0).
void sum(int64_t n, const float* x, float* out);
// out[c] = sum over rows of x[r, c] for x [rows, channels]; also the backward of bias_add.
void column_sum(int64_t rows, int64_t channels, const float* x, float* out);

}  // namespace tailor::kernels::cuda
