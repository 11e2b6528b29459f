// No FMA contraction: the AVX2/AVX-512 instantiations must round exactly like the scalar
// fallback and the reference loops, so results do not depend on the machine. No traps: without
// it GCC left the AVX2 loops with selects scalar.
#include "kernels/cpu/simd_target.h"
TAILOR_FP_CONTRACT_OFF
TAILOR_FP_NO_TRAPS

#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/simd_loop.h"
#include "kernels/cpu/vector_math.h"

namespace tailor::kernels::cpu {

namespace {
// Shared scalar formulas, so the fast and reference paths compute the same expression.
inline float relu6_of(float v) {
  const float lo = v > 0.f ? v : 0.f;
  return lo < 6.f ? lo : 6.f;
}
inline float relu6_grad(float v, float g) {
  return (v > 0.f && v < 6.f) ? g : 0.f;
}
}  // namespace

void add(int64_t n, const float* a, const float* b, float* y) {
  parallel_simd_loop(n, [=](int64_t i) { y[i] = a[i] + b[i]; });
}
void sub(int64_t n, const float* a, const float* b, float* y) {
  parallel_simd_loop(n, [=](int64_t i) { y[i] = a[i] - b[i]; });
}
void mul(int64_t n, const float* a, const float* b, float* y) {
  parallel_simd_loop(n, [=](int64_t i) { y[i] = a[i] * b[i]; });
}
void axpby(int64_t n, const float* a, float s, const float* b, float t, float* y) {
  parallel_simd_loop(n, [=](int64_t i) { y[i] = a[i] * s + b[i] * t; });
}
void scale(int64_t n, const float* x, float s, float* y) {
  parallel_simd_loop(n, [=](int64_t i) { y[i] = x[i] * s; });
}
void add_scalar(int64_t n, const float* x, float s, float* y) {
  parallel_simd_loop(n, [=](int64_t i) { y[i] = x[i] + s; });
}
void square(int64_t n, const float* x, float* y) {
  parallel_simd_loop(n, [=](int64_t i) { y[i] = x[i] * x[i]; });
}
void bias_add(int64_t rows, int64_t C, const float* x, const float* b, float* y) {
  parallel_simd_rows(rows, C, [=](int64_t r, int64_t c) { y[r * C + c] = x[r * C + c] + b[c]; });
}
void relu6(int64_t n, const float* x, float* y) {
  parallel_simd_loop(n, [=](int64_t i) { y[i] = relu6_of(x[i]); });
}
void relu6_backward(int64_t n, const float* x, const float* dy, float* dx) {
  parallel_simd_loop(n, [=](int64_t i) { dx[i] = relu6_grad(x[i], dy[i]); });
}
void sigmoid(int64_t n, const float* x, float* y) {
  parallel_simd_loop(n, [=](int64_t i) { y[i] = sigmoid_stable(x[i]); });
}
void sigmoid_backward(int64_t n, const float* y, const float* dy, float* dx) {
  parallel_simd_loop(n, [=](int64_t i) { dx[i] = dy[i] * (y[i] * (1.f - y[i])); });
}

void add_ref(int64_t n, const float* a, const float* b, float* y) {
  for (int64_t i = 0; i < n; ++i) y[i] = a[i] + b[i];
}
void sub_ref(int64_t n, const float* a, const float* b, float* y) {
  for (int64_t i = 0; i < n; ++i) y[i] = a[i] - b[i];
}
void mul_ref(int64_t n, const float* a, const float* b, float* y) {
  for (int64_t i = 0; i < n; ++i) y[i] = a[i] * b[i];
}
void axpby_ref(int64_t n, const float* a, float s, const float* b, float t, float* y) {
  for (int64_t i = 0; i < n; ++i) y[i] = a[i] * s + b[i] * t;
}
void scale_ref(int64_t n, const float* x, float s, float* y) {
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] * s;
}
void add_scalar_ref(int64_t n, const float* x, float s, float* y) {
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] + s;
}
void square_ref(int64_t n, const float* x, float* y) {
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] * x[i];
}
void bias_add_ref(int64_t rows, int64_t C, const float* x, const float* b, float* y) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < C; ++c) y[r * C + c] = x[r * C + c] + b[c];
}
void relu6_ref(int64_t n, const float* x, float* y) {
  for (int64_t i = 0; i < n; ++i) y[i] = relu6_of(x[i]);
}
void relu6_backward_ref(int64_t n, const float* x, const float* dy, float* dx) {
  for (int64_t i = 0; i < n; ++i) dx[i] = relu6_grad(x[i], dy[i]);
}
void sigmoid_ref(int64_t n, const float* x, float* y) {
  for (int64_t i = 0; i < n; ++i) y[i] = sigmoid_stable(x[i]);
}
void sigmoid_backward_ref(int64_t n, const float* y, const float* dy, float* dx) {
  for (int64_t i = 0; i < n; ++i) dx[i] = dy[i] * (y[i] * (1.f - y[i]));
}

}  // namespace tailor::kernels::cpu
