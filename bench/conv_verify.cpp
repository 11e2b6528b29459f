#include "bench/conv_verify.h"

#include <algorithm>
#include <cmath>

namespace tailor::bench {

namespace {

// Depthwise, one element. Index layouts: x/dx [n,h,w,c], y/dy [n,oh,ow,c], w/dw [i,j,c].
double depthwise_element(const ConvCase& c, const float* a, const float* b, int64_t idx) {
  const kernels::ConvGeometry& g = c.g;
  const int64_t C = g.in_c;
  double s = 0;
  if (c.pass == ConvPass::Forward) {  // a = x, b = w
    const int64_t ch = idx % C, ow = idx / C % g.out_w, oh = idx / C / g.out_w % g.out_h,
                  n = idx / C / g.out_w / g.out_h;
    for (int64_t i = 0; i < g.kernel_h; ++i)
      for (int64_t j = 0; j < g.kernel_w; ++j) {
        const int64_t ih = oh * g.stride - g.pad_top + i, iw = ow * g.stride - g.pad_left + j;
        if (ih < 0 || ih >= g.in_h || iw < 0 || iw >= g.in_w) continue;
        s += double(a[((n * g.in_h + ih) * g.in_w + iw) * C + ch]) *
             b[(i * g.kernel_w + j) * C + ch];
      }
  } else if (c.pass == ConvPass::BackwardData) {  // a = dy, b = w
    const int64_t ch = idx % C, iw = idx / C % g.in_w, ih = idx / C / g.in_w % g.in_h,
                  n = idx / C / g.in_w / g.in_h;
    for (int64_t i = 0; i < g.kernel_h; ++i)
      for (int64_t j = 0; j < g.kernel_w; ++j) {
        const int64_t th = ih + g.pad_top - i, tw = iw + g.pad_left - j;
        if (th < 0 || tw < 0 || th % g.stride || tw % g.stride) continue;
        const int64_t oh = th / g.stride, ow = tw / g.stride;
        if (oh >= g.out_h || ow >= g.out_w) continue;
        s += double(a[((n * g.out_h + oh) * g.out_w + ow) * C + ch]) *
             b[(i * g.kernel_w + j) * C + ch];
      }
  } else {  // a = x, b = dy
    const int64_t ch = idx % C, j = idx / C % g.kernel_w, i = idx / C / g.kernel_w;
    for (int64_t n = 0; n < g.batch; ++n)
      for (int64_t oh = 0; oh < g.out_h; ++oh) {
        const int64_t ih = oh * g.stride - g.pad_top + i;
        if (ih < 0 || ih >= g.in_h) continue;
        for (int64_t ow = 0; ow < g.out_w; ++ow) {
          const int64_t iw = ow * g.stride - g.pad_left + j;
          if (iw < 0 || iw >= g.in_w) continue;
          s += double(a[((n * g.in_h + ih) * g.in_w + iw) * C + ch]) *
               b[((n * g.out_h + oh) * g.out_w + ow) * C + ch];
        }
      }
  }
  return s;
}

// Pointwise, one element of y = x W, dx = dy W^T or dW = x^T dy (M = N*H*W rows).
double pointwise_element(const ConvCase& c, const float* a, const float* b, int64_t idx) {
  const int64_t Ci = c.g.in_c, Co = c.g.out_c, M = c.g.batch * c.g.in_h * c.g.in_w;
  double s = 0;
  if (c.pass == ConvPass::Forward) {
    const int64_t m = idx / Co, o = idx % Co;
    for (int64_t k = 0; k < Ci; ++k) s += double(a[m * Ci + k]) * b[k * Co + o];
  } else if (c.pass == ConvPass::BackwardData) {
    const int64_t m = idx / Ci, i = idx % Ci;
    for (int64_t k = 0; k < Co; ++k) s += double(a[m * Co + k]) * b[i * Co + k];
  } else {
    const int64_t i = idx / Co, o = idx % Co;
    for (int64_t m = 0; m < M; ++m) s += double(a[m * Ci + i]) * b[m * Co + o];
  }
  return s;
}

}  // namespace

ConvReference conv_reference(const ConvCase& c, const float* a, const float* b, double mac_budget) {
  const int64_t numel = c.out_numel();
  const double per_element = double(std::max<int64_t>(c.dot_length(), 1));
  const int64_t samples =
      std::clamp<int64_t>(int64_t(mac_budget / per_element), std::min<int64_t>(64, numel), numel);
  ConvReference ref;
  ref.index.reserve(static_cast<size_t>(samples));
  // Evenly spread, with a per-sample jitter so the sample does not alias with the channel
  // count; the first and last elements (borders, padding) are always included.
  for (int64_t s = 0; s < samples; ++s) {
    int64_t idx = samples == numel
                      ? s
                      : s * numel / samples + (s * 7919) % std::max<int64_t>(numel / samples, 1);
    if (s == samples - 1) idx = numel - 1;
    if (!ref.index.empty() && idx <= ref.index.back()) continue;
    ref.index.push_back(idx);
  }
  ref.value.resize(ref.index.size());
  for (size_t s = 0; s < ref.index.size(); ++s) {
    ref.value[s] = c.kind == ConvKind::Depthwise ? depthwise_element(c, a, b, ref.index[s])
                                                 : pointwise_element(c, a, b, ref.index[s]);
    ref.max_abs = std::max(ref.max_abs, std::fabs(ref.value[s]));
  }
  return ref;
}

ConvCheck check_result(const ConvCase& c, const ConvReference& ref, const std::vector<float>& got) {
  ConvCheck check;
  check.tolerance = 4e-6 * double(std::min<int64_t>(c.dot_length(), 4096) + 4) + 1e-4 * ref.max_abs;
  check.checked = static_cast<int64_t>(ref.index.size());
  if (static_cast<int64_t>(got.size()) != c.out_numel()) {
    check.max_abs_err = INFINITY;
  } else {
    for (size_t s = 0; s < ref.index.size(); ++s) {
      const double d = std::fabs(double(got[static_cast<size_t>(ref.index[s])]) - ref.value[s]);
      check.max_abs_err = std::isnan(d) ? INFINITY : std::max(check.max_abs_err, d);
    }
  }
  check.max_rel_err = ref.max_abs > 0 ? check.max_abs_err / ref.max_abs : check.max_abs_err;
  check.ok = check.max_abs_err <= check.tolerance;
  return check;
}

}  // namespace tailor::bench
