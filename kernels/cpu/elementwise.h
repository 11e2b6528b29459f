#pragma once
// Elementwise float kernels on packed buffers of n elements. Fast versions are vectorized
// (run-time AVX-512/AVX2 dispatch) and threaded; *_ref are the plain loops they must match.
// Outputs may alias inputs of the same size.
#include <cstdint>

namespace tailor::kernels::cpu {

void add(int64_t n, const float* a, const float* b, float* y);
void sub(int64_t n, const float* a, const float* b, float* y);
void mul(int64_t n, const float* a, const float* b, float* y);
// y = a * s + b * t: one pass for the linear combinations backward passes need.
void axpby(int64_t n, const float* a, float s, const float* b, float t, float* y);
void scale(int64_t n, const float* x, float s, float* y);
void add_scalar(int64_t n, const float* x, float s, float* y);
void square(int64_t n, const float* x, float* y);
// y[r, c] = x[r, c] + b[c] over a [rows, C] buffer.
void bias_add(int64_t rows, int64_t C, const float* x, const float* b, float* y);
// TF Relu6: min(max(x, 0), 6); its gradient passes where 0 < x < 6 (zero at exactly 0 and 6).
// relu6_backward accepts the forward output in place of x: 0 < y < 6 exactly when 0 < x < 6.
void relu6(int64_t n, const float* x, float* y);
void relu6_backward(int64_t n, const float* x, const float* dy, float* dx);
// y = 1 / (1 + exp(-x)), evaluated without overflow for large |x|.
void sigmoid(int64_t n, const float* x, float* y);
// dx = dy * y * (1 - y), from the forward output y.
void sigmoid_backward(int64_t n, const float* y, const float* dy, float* dx);

void add_ref(int64_t n, const float* a, const float* b, float* y);
void sub_ref(int64_t n, const float* a, const float* b, float* y);
void mul_ref(int64_t n, const float* a, const float* b, float* y);
void axpby_ref(int64_t n, const float* a, float s, const float* b, float t, float* y);
void scale_ref(int64_t n, const float* x, float s, float* y);
void add_scalar_ref(int64_t n, const float* x, float s, float* y);
void square_ref(int64_t n, const float* x, float* y);
void bias_add_ref(int64_t rows, int64_t C, const float* x, const float* b, float* y);
void relu6_ref(int64_t n, const float* x, float* y);
void relu6_backward_ref(int64_t n, const float* x, const float* dy, float* dx);
void sigmoid_ref(int64_t n, const float* x, float* y);
void sigmoid_backward_ref(int64_t n, const float* y, const float* dy, float* dx);

}  // namespace tailor::kernels::cpu
