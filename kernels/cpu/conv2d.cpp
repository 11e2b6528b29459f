#include "kernels/cpu/conv2d.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels/cpu/conv_taps.h"
#include "kernels/cpu/sgemm.h"
#include "runtime/error.h"
#include "runtime/thread_pool.h"

namespace tailor::kernels::cpu {

// ---- Reference loops (double accumulation: the yardstick for the fast paths) ----

namespace {
// Calls f(x_index, y_index, w_index) for every in-bounds (output pixel, tap, c_in, c_out).
template <typename F>
void for_each_term(const ConvGeometry& g, F f) {
  const int64_t Ci = g.in_c, Co = g.out_c;
  for_each_tap(g, [&](int64_t x_pixel, int64_t y_pixel, int64_t tap) {
    for (int64_t ci = 0; ci < Ci; ++ci)
      for (int64_t co = 0; co < Co; ++co)
        f(x_pixel * Ci + ci, y_pixel * Co + co, (tap * Ci + ci) * Co + co);
  });
}
}  // namespace

void conv2d_forward_ref(const ConvGeometry& g, const float* x, const float* w, float* y) {
  std::vector<double> acc(static_cast<size_t>(g.output_numel()), 0.0);
  for_each_term(g, [&](int64_t xi, int64_t yi, int64_t wi) { acc[yi] += double(x[xi]) * w[wi]; });
  std::copy(acc.begin(), acc.end(), y);
}

void conv2d_backward_input_ref(const ConvGeometry& g, const float* dy, const float* w, float* dx) {
  std::vector<double> acc(static_cast<size_t>(g.input_numel()), 0.0);
  for_each_term(g, [&](int64_t xi, int64_t yi, int64_t wi) { acc[xi] += double(dy[yi]) * w[wi]; });
  std::copy(acc.begin(), acc.end(), dx);
}

void conv2d_backward_filter_ref(const ConvGeometry& g, const float* x, const float* dy, float* dw) {
  std::vector<double> acc(static_cast<size_t>(g.kernel_h * g.kernel_w * g.in_c * g.out_c), 0.0);
  for_each_term(g, [&](int64_t xi, int64_t yi, int64_t wi) { acc[wi] += double(x[xi]) * dy[yi]; });
  std::copy(acc.begin(), acc.end(), dw);
}

// ---- Pointwise: the convolution is exactly a GEMM over M = N*H*W pixel rows ----

namespace {
// y = x * w over `rows` rows of K, finished by the epilogue when it has one; without, the plain
// sgemm, whose long-K split keeps the bits of the convolutions without an epilogue unchanged.
void product(int64_t rows, int64_t K, int64_t N, const float* x, const float* w, float* y,
             const Epilogue& ep) {
  if (ep.bias || ep.relu6)
    sgemm_epilogue(false, false, rows, N, K, x, K, w, N, y, N, ep);
  else
    sgemm(false, false, rows, N, K, 1.f, x, K, w, N, 0.f, y, N);
}
}  // namespace

void pointwise_conv2d_forward(const ConvGeometry& g, const float* x, const float* w, float* y) {
  pointwise_conv2d_forward(g, x, w, y, Epilogue{});
}

void pointwise_conv2d_forward(const ConvGeometry& g, const float* x, const float* w, float* y,
                              const Epilogue& ep) {
  product(g.batch * g.in_h * g.in_w, g.in_c, g.out_c, x, w, y, ep);
}

void pointwise_conv2d_backward_input(const ConvGeometry& g, const float* dy, const float* w,
                                     float* dx) {
  const int64_t M = g.batch * g.in_h * g.in_w;
  sgemm(false, true, M, g.in_c, g.out_c, 1.f, dy, g.out_c, w, g.out_c, 0.f, dx, g.in_c);
}

void pointwise_conv2d_backward_filter(const ConvGeometry& g, const float* x, const float* dy,
                                      float* dw) {
  const int64_t M = g.batch * g.in_h * g.in_w;
  sgemm(true, false, g.in_c, g.out_c, M, 1.f, x, g.in_c, dy, g.out_c, 0.f, dw, g.out_c);
}

// ---- Dense: im2col + sgemm, a few images at a time to bound the column buffer ----

namespace {

bool is_pointwise(const ConvGeometry& g) {
  return g.kernel_h == 1 && g.kernel_w == 1 && g.stride == 1 && g.pad_top == 0 && g.pad_left == 0;
}

// Column buffer budget in floats (16 MiB).
constexpr int64_t kColBudget = int64_t(4) << 20;

int64_t col_width(const ConvGeometry& g) {
  return g.kernel_h * g.kernel_w * g.in_c;
}

int64_t images_per_chunk(const ConvGeometry& g) {
  const int64_t per_image = g.out_h * g.out_w * col_width(g);
  return std::max<int64_t>(1, kColBudget / std::max<int64_t>(1, per_image));
}

// col[p - p0, (i * kw + j) * C + c] = x[n, ih, iw, c] (or 0 in the padding) for the output
// pixels p = (n * out_h + oh) * out_w + ow in [p0, p1). A kernel row that lies inside the image
// is one run of kw * C floats (one copy rather than kw: the first layer's C is 3).
void im2col_pixels(const ConvGeometry& g, const float* x, int64_t p0, int64_t p1, float* col) {
  const int64_t C = g.in_c, K = col_width(g), pixels = g.out_h * g.out_w;
  for (int64_t r = p0; r < p1; ++r) {
    const int64_t n = r / pixels, p = r % pixels;
    const int64_t oh = p / g.out_w, ow = p % g.out_w;
    const int64_t iw0 = ow * g.stride - g.pad_left;
    const bool row_inside = iw0 >= 0 && iw0 + g.kernel_w <= g.in_w;
    float* dst = col + (r - p0) * K;
    for (int64_t i = 0; i < g.kernel_h; ++i) {
      const int64_t ih = oh * g.stride - g.pad_top + i;
      const float* src = x + ((n * g.in_h + ih) * g.in_w + iw0) * C;
      if (ih < 0 || ih >= g.in_h) {
        std::memset(dst, 0, sizeof(float) * C * g.kernel_w);
      } else if (row_inside) {
        std::memcpy(dst, src, sizeof(float) * C * g.kernel_w);
      } else {
        for (int64_t j = 0; j < g.kernel_w; ++j) {
          const int64_t iw = iw0 + j;
          if (iw < 0 || iw >= g.in_w)
            std::memset(dst + j * C, 0, sizeof(float) * C);
          else
            std::memcpy(dst + j * C, src + j * C, sizeof(float) * C);
        }
      }
      dst += C * g.kernel_w;
    }
  }
}

// A narrow column matrix (the first layer's K = 27) on many pixels: gathered and multiplied
// band by band on each thread, so that it never goes through memory whole and the gather runs
// beside the GEMM. A wide one (the extra layers' 3x3 over 256-512 channels, few pixels) keeps
// one threaded GEMM over all of it: bands there would each read all of the weights.
bool gathers_in_bands(const ConvGeometry& g) {
  return col_width(g) <= 256 && g.batch * g.out_h * g.out_w >= 4 * 12;
}

// Pixels per band: a multiple of the GEMM's register tile rows, 32K floats of columns (128 KiB,
// in L2 beside the packed weights).
int64_t band_pixels(const ConvGeometry& g) {
  const int64_t tile = sgemm_tile_rows();
  return std::max<int64_t>(tile, (int64_t(32) << 10) / col_width(g) / tile * tile);
}

// im2col_pixels for images [n0, n1), threaded.
void im2col(const ConvGeometry& g, const float* x, int64_t n0, int64_t n1, float* col) {
  const int64_t K = col_width(g), pixels = g.out_h * g.out_w;
  parallel_for(
      n0 * pixels, n1 * pixels, std::max<int64_t>(1, 8192 / K),
      [&](int64_t r0, int64_t r1) { im2col_pixels(g, x, r0, r1, col + (r0 - n0 * pixels) * K); });
}

// The adjoint of im2col, as a gather so threads never write the same dx pixel:
// dx[n, ih, iw, :] = sum of the col entries im2col copied from it, for images [n0, n1).
void col2im(const ConvGeometry& g, const float* col, int64_t n0, int64_t n1, float* dx) {
  const int64_t C = g.in_c, K = col_width(g), s = g.stride;
  parallel_for(0, (n1 - n0) * g.in_h, 1, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t nl = r / g.in_h, ih = r % g.in_h;
      for (int64_t iw = 0; iw < g.in_w; ++iw) {
        float* out = dx + ((n0 + nl) * g.in_h * g.in_w + ih * g.in_w + iw) * C;
        std::fill(out, out + C, 0.f);
        for (int64_t i = 0; i < g.kernel_h; ++i) {
          const int64_t th = ih + g.pad_top - i;
          if (th < 0 || th % s != 0 || th / s >= g.out_h) continue;
          for (int64_t j = 0; j < g.kernel_w; ++j) {
            const int64_t tw = iw + g.pad_left - j;
            if (tw < 0 || tw % s != 0 || tw / s >= g.out_w) continue;
            const float* src =
                col + ((nl * g.out_h + th / s) * g.out_w + tw / s) * K + (i * g.kernel_w + j) * C;
            for (int64_t c = 0; c < C; ++c) out[c] += src[c];
          }
        }
      }
    }
  });
}

}  // namespace

void conv2d_forward(const ConvGeometry& g, const float* x, const float* w, float* y) {
  conv2d_forward(g, x, w, y, Epilogue{});
}

void conv2d_forward(const ConvGeometry& g, const float* x, const float* w, float* y,
                    const Epilogue& ep) {
  if (is_pointwise(g)) return pointwise_conv2d_forward(g, x, w, y, ep);
  const int64_t K = col_width(g), pixels = g.out_h * g.out_w, step = images_per_chunk(g);
  std::vector<float> col(static_cast<size_t>(std::min(step, g.batch) * pixels * K));
  for (int64_t n0 = 0; n0 < g.batch; n0 += step) {
    const int64_t n1 = std::min(g.batch, n0 + step), rows = (n1 - n0) * pixels;
    im2col(g, x, n0, n1, col.data());
    product(rows, K, g.out_c, col.data(), w, y + n0 * pixels * g.out_c, ep);
  }
}

int64_t conv2d_col_floats(const ConvGeometry& g) {
  if (is_pointwise(g) || gathers_in_bands(g)) return 0;
  return std::min(images_per_chunk(g), g.batch) * g.out_h * g.out_w * col_width(g);
}

void conv2d_forward_packed(const ConvGeometry& g, const float* x, const PackedMatrix& w, float* y,
                           const Epilogue& ep, float* col) {
  TAILOR_CHECK(w.rows() == col_width(g) && w.cols() == g.out_c, ShapeError,
               "conv2d_forward_packed: weights [", w.rows(), ",", w.cols(), "] do not fit a ",
               g.kernel_h, "x", g.kernel_w, "x", g.in_c, " -> ", g.out_c, " convolution");
  const int64_t pixels = g.out_h * g.out_w, K = col_width(g);
  if (is_pointwise(g)) return sgemm_packed(g.batch * pixels, x, g.in_c, w, y, g.out_c, ep);
  if (gathers_in_bands(g)) {
    const int64_t band = band_pixels(g), total = g.batch * pixels;
    parallel_for(0, (total + band - 1) / band, 1, [&](int64_t b0, int64_t b1) {
      thread_local std::vector<float> band_col;
      if (band_col.size() < size_t(band * K)) band_col.resize(size_t(band * K));
      for (int64_t b = b0; b < b1; ++b) {
        const int64_t p0 = b * band, p1 = std::min(total, p0 + band);
        im2col_pixels(g, x, p0, p1, band_col.data());
        sgemm_packed_serial(p1 - p0, band_col.data(), K, w, y + p0 * g.out_c, g.out_c, ep);
      }
    });
    return;
  }
  const int64_t step = images_per_chunk(g);
  for (int64_t n0 = 0; n0 < g.batch; n0 += step) {
    const int64_t n1 = std::min(g.batch, n0 + step);
    im2col(g, x, n0, n1, col);
    sgemm_packed((n1 - n0) * pixels, col, K, w, y + n0 * pixels * g.out_c, g.out_c, ep);
  }
}

void conv2d_backward_input(const ConvGeometry& g, const float* dy, const float* w, float* dx) {
  if (is_pointwise(g)) return pointwise_conv2d_backward_input(g, dy, w, dx);
  const int64_t K = col_width(g), pixels = g.out_h * g.out_w, step = images_per_chunk(g);
  std::vector<float> col(static_cast<size_t>(std::min(step, g.batch) * pixels * K));
  for (int64_t n0 = 0; n0 < g.batch; n0 += step) {
    const int64_t n1 = std::min(g.batch, n0 + step), rows = (n1 - n0) * pixels;
    sgemm(false, true, rows, K, g.out_c, 1.f, dy + n0 * pixels * g.out_c, g.out_c, w, g.out_c, 0.f,
          col.data(), K);
    col2im(g, col.data(), n0, n1, dx);
  }
}

void conv2d_backward_filter(const ConvGeometry& g, const float* x, const float* dy, float* dw) {
  if (is_pointwise(g)) return pointwise_conv2d_backward_filter(g, x, dy, dw);
  const int64_t K = col_width(g), pixels = g.out_h * g.out_w, step = images_per_chunk(g);
  if (g.batch == 0 || pixels == 0) {
    std::fill(dw, dw + K * g.out_c, 0.f);
    return;
  }
  std::vector<float> col(static_cast<size_t>(std::min(step, g.batch) * pixels * K));
  for (int64_t n0 = 0; n0 < g.batch; n0 += step) {
    const int64_t n1 = std::min(g.batch, n0 + step), rows = (n1 - n0) * pixels;
    im2col(g, x, n0, n1, col.data());
    sgemm(true, false, K, g.out_c, rows, 1.f, col.data(), K, dy + n0 * pixels * g.out_c, g.out_c,
          n0 == 0 ? 0.f : 1.f, dw, g.out_c);
  }
}

}  // namespace tailor::kernels::cpu
