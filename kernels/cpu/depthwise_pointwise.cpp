#include "kernels/cpu/depthwise_pointwise.h"

#include <algorithm>
#include <vector>

#include "kernels/cpu/depthwise_conv.h"
#include "runtime/error.h"
#include "runtime/thread_pool.h"

namespace tailor::kernels::cpu {

namespace {

// A band's depthwise output: 128 KiB sits in the 2 MiB L2 beside the pointwise weights' panels
// and the band's output rows.
constexpr int64_t kBandFloats = 32 * 1024;

// Fusion reads the pointwise weights once per band instead of once per thread.
constexpr int64_t kMinIntermediatePerWeight = 4;

int64_t band_rows(const ConvGeometry& dw) {
  const int64_t row_floats = std::max<int64_t>(1, dw.out_w * dw.out_c);
  return std::clamp<int64_t>(kBandFloats / row_floats, 1, std::max<int64_t>(1, dw.out_h));
}

}  // namespace

bool depthwise_pointwise_pays(const ConvGeometry& dw, int64_t out_c) {
  return dw.output_numel() >= kMinIntermediatePerWeight * dw.out_c * out_c;
}

void depthwise_pointwise_forward(const ConvGeometry& dw, const float* x, const float* dw_weights,
                                 const Epilogue& dw_ep, const PackedMatrix& pw,
                                 const Epilogue& pw_ep, float* y) {
  TAILOR_CHECK(dw.in_c == dw.out_c && pw.rows() == dw.out_c, ShapeError,
               "depthwise_pointwise_forward: a ", dw.in_c, "-channel depthwise into a [", pw.rows(),
               ",", pw.cols(), "] pointwise");
  const int64_t rows = dw.batch * dw.out_h, band = band_rows(dw);
  const int64_t row_floats = dw.out_w * dw.out_c, out_c = pw.cols();
  parallel_for(0, (rows + band - 1) / band, 1, [&](int64_t b0, int64_t b1) {
    thread_local std::vector<float> buffer;
    if (buffer.size() < size_t(band * row_floats)) buffer.resize(size_t(band * row_floats));
    for (int64_t b = b0; b < b1; ++b) {
      const int64_t r0 = b * band, r1 = std::min(rows, r0 + band);
      depthwise_conv2d_forward_rows(dw, x, dw_weights, buffer.data(), r0, r1, dw_ep);
      sgemm_packed_serial((r1 - r0) * dw.out_w, buffer.data(), dw.out_c, pw,
                          y + r0 * dw.out_w * out_c, out_c, pw_ep);
    }
  });
}

}  // namespace tailor::kernels::cpu
