#pragma once
// Elementwise kernels over n contiguous floats (device pointers, Tailor's stream). `out` may
// alias an input. The *_backward functions give the input gradient from the output gradient.
#include <cstdint>

namespace tailor::kernels::cuda {

void add(int64_t n, const float* a, const float* b, float* out);
void sub(int64_t n, const float* a, const float* b, float* out);
void mul(int64_t n, const float* a, const float* b, float* out);
void scale(int64_t n, const float* x, float s, float* out);
void add_scalar(int64_t n, const float* x, float s, float* out);
// out += alpha * x (gradient accumulation).
void axpy(int64_t n, float alpha, const float* x, float* out);
void fill(int64_t n, float value, float* out);

// min(max(x, 0), 6); the gradient passes where 0 < x < 6 (TF Relu6Grad).
void relu6(int64_t n, const float* x, float* out);
void relu6_backward(int64_t n, const float* x, const float* dy, float* dx);
void sigmoid(int64_t n, const float* x, float* out);
// From the forward output y: dx = dy * y * (1 - y).
void sigmoid_backward(int64_t n, const float* y, const float* dy, float* dx);

// out[r, c] = x[r, c] + b[c] over [rows, channels]; its backward db = sum over rows of dy is
// column_sum in reduce.h.
void bias_add(int64_t rows, int64_t channels, const float* x, const float* b, float* out);

}  // namespace tailor::kernels::cuda
