#include "kernels/cpu/depthwise_conv.h"

#include <algorithm>
#include <vector>

#include "kernels/cpu/conv_taps.h"
#include "kernels/cpu/simd_dispatch.h"
#include "kernels/cpu/simd_target.h"
#include "kernels/cpu/simd_vec.h"
#include "runtime/thread_pool.h"

namespace tailor::kernels::cpu {

// ---- Reference loops (double accumulation: the yardstick for the fast paths) ----

namespace {
// Calls f(x_index, y_index, w_index) for every in-bounds (output pixel, tap, channel).
template <typename F>
void for_each_depthwise_term(const ConvGeometry& g, F f) {
  const int64_t C = g.in_c;
  for_each_tap(g, [&](int64_t x_pixel, int64_t y_pixel, int64_t tap) {
    for (int64_t c = 0; c < C; ++c) f(x_pixel * C + c, y_pixel * C + c, tap * C + c);
  });
}
}  // namespace

void depthwise_conv2d_forward_ref(const ConvGeometry& g, const float* x, const float* w, float* y) {
  std::vector<double> acc(static_cast<size_t>(g.output_numel()), 0.0);
  for_each_depthwise_term(
      g, [&](int64_t xi, int64_t yi, int64_t wi) { acc[yi] += double(x[xi]) * w[wi]; });
  std::copy(acc.begin(), acc.end(), y);
}

void depthwise_conv2d_backward_input_ref(const ConvGeometry& g, const float* dy, const float* w,
                                         float* dx) {
  std::vector<double> acc(static_cast<size_t>(g.input_numel()), 0.0);
  for_each_depthwise_term(
      g, [&](int64_t xi, int64_t yi, int64_t wi) { acc[xi] += double(dy[yi]) * w[wi]; });
  std::copy(acc.begin(), acc.end(), dx);
}

void depthwise_conv2d_backward_filter_ref(const ConvGeometry& g, const float* x, const float* dy,
                                          float* dw) {
  std::vector<double> acc(static_cast<size_t>(g.kernel_h * g.kernel_w * g.in_c), 0.0);
  for_each_depthwise_term(
      g, [&](int64_t xi, int64_t yi, int64_t wi) { acc[wi] += double(x[xi]) * dy[yi]; });
  std::copy(acc.begin(), acc.end(), dw);
}

// ---- Fast paths: one body per ISA ----

namespace simd {

TAILOR_TARGET_AVX512_BEGIN
namespace avx512 {
#include "kernels/cpu/depthwise_body.inc"
}  // namespace avx512
TAILOR_TARGET_END

TAILOR_TARGET_AVX2_BEGIN
namespace avx2 {
#include "kernels/cpu/depthwise_body.inc"
}  // namespace avx2
TAILOR_TARGET_END

namespace scalar {
#include "kernels/cpu/depthwise_body.inc"
}  // namespace scalar

}  // namespace simd

namespace {

using RowsFn = void (*)(const ConvGeometry&, const float*, const float*, float*, int64_t, int64_t);

// Rows of `row_elems` floats each: enough per task that waking a worker pays off.
int64_t row_grain(int64_t row_elems) {
  return std::max<int64_t>(1, 16384 / std::max<int64_t>(1, row_elems));
}

// The filter gradient sums over every output pixel. Rows are split into a fixed number of
// blocks (set by the shape alone), each summed into its own partial, and the partials are added
// in block order, so the result does not depend on the thread count.
constexpr int64_t kFilterBlocks = 16;

using ForwardFn = void (*)(const ConvGeometry&, const float*, const float*, float*, int64_t,
                           int64_t, const Epilogue*, int64_t);

ForwardFn forward_fn() {
  return for_simd_level<ForwardFn>(simd::avx512::forward_rows, simd::avx2::forward_rows,
                                   simd::scalar::forward_rows);
}

void depthwise_forward_impl(const ConvGeometry& g, const float* x, const float* w, float* y,
                            const Epilogue* ep) {
  const ForwardFn fn = forward_fn();
  parallel_for(0, g.batch * g.out_h, row_grain(g.out_w * g.in_c),
               [&](int64_t r0, int64_t r1) { fn(g, x, w, y, r0, r1, ep, 0); });
}

}  // namespace

void depthwise_conv2d_forward(const ConvGeometry& g, const float* x, const float* w, float* y) {
  depthwise_forward_impl(g, x, w, y, nullptr);
}

void depthwise_conv2d_forward(const ConvGeometry& g, const float* x, const float* w, float* y,
                              const Epilogue& ep) {
  depthwise_forward_impl(g, x, w, y, &ep);
}

void depthwise_conv2d_forward_rows(const ConvGeometry& g, const float* x, const float* w,
                                   float* band, int64_t r0, int64_t r1, const Epilogue& ep) {
  forward_fn()(g, x, w, band, r0, r1, &ep, r0);
}

void depthwise_conv2d_backward_input(const ConvGeometry& g, const float* dy, const float* w,
                                     float* dx) {
  RowsFn fn =
      for_simd_level<RowsFn>(simd::avx512::backward_input_rows, simd::avx2::backward_input_rows,
                             simd::scalar::backward_input_rows);
  parallel_for(0, g.batch * g.in_h, row_grain(g.in_w * g.in_c),
               [&](int64_t r0, int64_t r1) { fn(g, dy, w, dx, r0, r1); });
}

void depthwise_conv2d_backward_filter(const ConvGeometry& g, const float* x, const float* dy,
                                      float* dw) {
  RowsFn fn =
      for_simd_level<RowsFn>(simd::avx512::backward_filter_rows, simd::avx2::backward_filter_rows,
                             simd::scalar::backward_filter_rows);
  const int64_t rows = g.batch * g.out_h, size = g.kernel_h * g.kernel_w * g.in_c;
  const int64_t blocks = std::min(rows, kFilterBlocks);
  std::fill(dw, dw + size, 0.f);
  if (blocks == 0) return;
  std::vector<float> partial(static_cast<size_t>(blocks * size), 0.f);
  parallel_for(0, blocks, 1, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b)
      fn(g, x, dy, partial.data() + b * size, rows * b / blocks, rows * (b + 1) / blocks);
  });
  for (int64_t b = 0; b < blocks; ++b)
    for (int64_t k = 0; k < size; ++k) dw[k] += partial[b * size + k];
}

}  // namespace tailor::kernels::cpu
