#pragma once
// Sum reductions on packed float buffers. Fast versions are vectorized and threaded and give
// the same result for any thread count; *_ref are plain sequential loops (which round
// differently, so compare with a tolerance).
#include <cstdint>

namespace tailor::kernels::cpu {

// Sum of x[0..n).
float sum(int64_t n, const float* x);
// y[r] = sum_d x[r, d] over a [rows, D] buffer.
void sum_last_dim(int64_t rows, int64_t D, const float* x, float* y);
// y[c] = sum_r x[r, c] over a [rows, C] buffer (bias and batch-norm gradients).
void sum_rows(int64_t rows, int64_t C, const float* x, float* y);
// y[r, d] = g[r]: the backward of sum_last_dim.
void broadcast_last_dim(int64_t rows, int64_t D, const float* g, float* y);

float sum_ref(int64_t n, const float* x);
void sum_last_dim_ref(int64_t rows, int64_t D, const float* x, float* y);
void sum_rows_ref(int64_t rows, int64_t C, const float* x, float* y);
void broadcast_last_dim_ref(int64_t rows, int64_t D, const float* g, float* y);

}  // namespace tailor::kernels::cpu
