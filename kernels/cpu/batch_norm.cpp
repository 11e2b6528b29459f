// No FMA contraction: the AVX2/AVX-512 instantiations must round exactly like the scalar
// fallback and the reference loops, so results do not depend on the machine.
#include "kernels/cpu/simd_target.h"
TAILOR_FP_CONTRACT_OFF

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

#include "kernels/cpu/batch_norm.h"
#include "kernels/cpu/column_reduce.h"
#include "kernels/cpu/simd_loop.h"

namespace tailor::kernels::cpu {

namespace {
std::vector<float> inv_std(int64_t C, const float* var, float eps) {
  std::vector<float> inv(C);
  for (int64_t c = 0; c < C; ++c) inv[c] = 1.f / std::sqrt(var[c] + eps);
  return inv;
}
// gamma * rsqrt(var + eps): TF's scaling_factor.
std::vector<float> scaling(int64_t C, const std::vector<float>& inv, const float* gamma) {
  std::vector<float> a(C);
  for (int64_t c = 0; c < C; ++c) a[c] = gamma ? inv[c] * gamma[c] : inv[c];
  return a;
}
// Where relu6's mask (0 < v < 6, v the normalized value) comes from: no relu6, the forward's
// output y, or v recomputed from x with the forward's own expression and constants: the same
// bits, and one array fewer to read.
enum class Mask { None, Output, Input };

// The normalized value, in TF's order of operations (batch_norm_forward and the mask).
inline float normalized(float x, float mean, float a, float b) {
  return (x - mean) * a + b;
}

// dy as the batch norm sees it: with a fused relu6, masked like elementwise.cpp's relu6_grad.
// Output reads y; Input reads x with the forward's mean, scale a and shift b (the pointers the
// pass reads anyway, so that the vectorizer's alias checks stay few).
template <Mask kMask>
inline float masked(const float* y, const float* x, const float* mean, const float* a,
                    const float* b, int64_t i, int64_t c, float g) {
  if constexpr (kMask == Mask::Output) return (y[i] > 0.f && y[i] < 6.f) ? g : 0.f;
  if constexpr (kMask == Mask::Input) {
    const float v = normalized(x[i], mean[c], a[c], b[c]);
    return ((v > 0.f) & (v < 6.f)) ? g : 0.f;  // no short circuit: the loop stays branch-free
  }
  return g;
}

// The pass that sums dbeta's terms (kXc: and dgamma's, g * (x - mean)); kDx: it also writes
// dx = g * scale, which fixed statistics allow, block by block while the block's inputs are in
// cache. A separate loop per block for the dx store keeps both loops vectorized (the store
// inside the summing loop ran at half the speed of two whole passes).
template <Mask kMask, bool kDx, bool kXc>
void sums_pass(int64_t rows, int64_t C, const float* x, const float* dy, const float* y,
               const float* mean, const float* scale, const float* shift, float* dx, float* sum_dy,
               float* sum_dy_xc) {
  auto dx_rows = [=](int64_t r0, int64_t r1) {
    if constexpr (kDx)
      simd_rows(r0, r1, C, [=](int64_t r, int64_t c) {
        const int64_t i = r * C + c;
        dx[i] = masked<kMask>(y, x, mean, scale, shift, i, c, dy[i]) * scale[c];
      });
  };
  if constexpr (kXc) {
    column_reduce_blocks<2>(rows, C,
                            [=](int64_t r0, int64_t r1, float* const* p) {
                              float *s_dy = p[0], *s_dy_xc = p[1];
                              simd_rows(r0, r1, C, [=](int64_t r, int64_t c) {
                                const int64_t i = r * C + c;
                                const float g =
                                    masked<kMask>(y, x, mean, scale, shift, i, c, dy[i]);
                                s_dy[c] += g;
                                s_dy_xc[c] += g * (x[i] - mean[c]);
                              });
                              dx_rows(r0, r1);
                            },
                            {sum_dy, sum_dy_xc});
  } else {
    column_reduce_blocks<1>(rows, C,
                            [=](int64_t r0, int64_t r1, float* const* p) {
                              float* s_dy = p[0];
                              simd_rows(r0, r1, C, [=](int64_t r, int64_t c) {
                                const int64_t i = r * C + c;
                                s_dy[c] += masked<kMask>(y, x, mean, scale, shift, i, c, dy[i]);
                              });
                              dx_rows(r0, r1);
                            },
                            {sum_dy});
  }
}

// The backward body; the mask's source is a template argument so each variant vectorizes
// branch-free.
template <Mask kMask>
void backward_body(int64_t rows, int64_t C, const float* x, const float* dy, const float* y,
                   const float* mean, const std::vector<float>& inv, const std::vector<float>& a,
                   const std::vector<float>& b, bool training, float* dx, float* dgamma,
                   float* dbeta) {
  std::vector<float> sum_dy(C), sum_dy_xc(C);
  const float *pa = a.data(), *pb = b.data();
  // With fixed statistics (a frozen batch norm) dx = dy * scale needs no sum, so the pass that
  // sums also writes dx: dy is read once instead of twice. With neither batch statistics nor
  // dgamma, x is not read at all. Either way the sums are added in the same order.
  const bool dx_in_pass = !training && dx, with_xc = training || dgamma;
  auto pass = [&](auto write_dx, auto sum_xc) {
    sums_pass<kMask, decltype(write_dx)::value, decltype(sum_xc)::value>(
        rows, C, x, dy, y, mean, pa, pb, dx, sum_dy.data(), sum_dy_xc.data());
  };
  using Yes = std::true_type;
  using No = std::false_type;
  if (dx_in_pass)
    with_xc ? pass(Yes(), Yes()) : pass(Yes(), No());
  else
    with_xc ? pass(No(), Yes()) : pass(No(), No());
  for (int64_t c = 0; c < C; ++c) {
    if (dbeta) dbeta[c] = sum_dy[c];
    if (dgamma) dgamma[c] = sum_dy_xc[c] * inv[c];
  }
  if (!training || !dx) return;
  const float inv_rows = rows > 0 ? 1.f / static_cast<float>(rows) : 0.f;
  std::vector<float> mean_dy(C), k(C);
  for (int64_t c = 0; c < C; ++c) {
    mean_dy[c] = sum_dy[c] * inv_rows;
    k[c] = sum_dy_xc[c] * inv_rows * inv[c] * inv[c];
  }
  const float *pm = mean_dy.data(), *pk = k.data();
  parallel_simd_rows(rows, C, [=](int64_t r, int64_t c) {
    const int64_t i = r * C + c;
    dx[i] =
        pa[c] * (masked<kMask>(y, x, mean, pa, pb, i, c, dy[i]) - pm[c] - (x[i] - mean[c]) * pk[c]);
  });
}
}  // namespace

void batch_norm_moments(int64_t rows, int64_t C, const float* x, float* mean, float* var) {
  // Each block of rows is summed, then its squared deviations from its own mean are summed
  // while the block is still in cache, and the blocks are combined in block order (Chan, Golub
  // and LeVeque's pairwise update): x is read from memory once instead of twice, and the result
  // depends only on the shape, never on the thread count.
  std::fill(mean, mean + C, 0.f);
  std::fill(var, var + C, 0.f);
  if (rows <= 0 || C <= 0) return;
  // At most 32 Ki floats (128 KiB) a block, so that the second sum reads it from L2.
  const int64_t block_rows = std::clamp<int64_t>((int64_t(1) << 15) / C, 16, kRowBlock);
  const int64_t blocks = (rows + block_rows - 1) / block_rows;
  std::vector<float> block_mean(blocks * C, 0.f), block_m2(blocks * C, 0.f);
  const int64_t grain = std::max<int64_t>(1, kElementwiseGrain / (block_rows * C));
  parallel_for(0, blocks, grain, [&](int64_t b0, int64_t b1) {
    for (int64_t blk = b0; blk < b1; ++blk) {
      const int64_t r0 = blk * block_rows, r1 = std::min(rows, r0 + block_rows);
      float* m = &block_mean[blk * C];
      float* q = &block_m2[blk * C];
      simd_rows(r0, r1, C, [=](int64_t r, int64_t c) { m[c] += x[r * C + c]; });
      const float inv = 1.f / static_cast<float>(r1 - r0);
      simd_loop(0, C, [=](int64_t c) { m[c] *= inv; });
      simd_rows(r0, r1, C, [=](int64_t r, int64_t c) {
        const float d = x[r * C + c] - m[c];
        q[c] += d * d;
      });
    }
  });
  std::vector<double> mu(C, 0.0), m2(C, 0.0);
  double n = 0;
  for (int64_t blk = 0; blk < blocks; ++blk) {
    const double nb =
        static_cast<double>(std::min(rows, (blk + 1) * block_rows) - blk * block_rows);
    const double total = n + nb, w = nb / total, cross = n * nb / total;
    const float* m = &block_mean[blk * C];
    const float* q = &block_m2[blk * C];
    for (int64_t c = 0; c < C; ++c) {
      const double delta = m[c] - mu[c];
      mu[c] += delta * w;
      m2[c] += q[c] + delta * delta * cross;
    }
    n = total;
  }
  for (int64_t c = 0; c < C; ++c) {
    mean[c] = static_cast<float>(mu[c]);
    var[c] = static_cast<float>(m2[c] / n);
  }
}

void batch_norm_forward(int64_t rows, int64_t C, const float* x, const float* mean,
                        const float* var, const float* gamma, const float* beta, float eps,
                        bool relu6, float* y) {
  const std::vector<float> a = scaling(C, inv_std(C, var, eps), gamma);
  std::vector<float> b(C, 0.f);
  if (beta) b.assign(beta, beta + C);
  const float *pa = a.data(), *pb = b.data();
  if (!relu6) {
    parallel_simd_rows(rows, C, [=](int64_t r, int64_t c) {
      y[r * C + c] = normalized(x[r * C + c], mean[c], pa[c], pb[c]);
    });
    return;
  }
  parallel_simd_rows(rows, C, [=](int64_t r, int64_t c) {
    const float v = normalized(x[r * C + c], mean[c], pa[c], pb[c]);
    const float lo = v > 0.f ? v : 0.f;
    y[r * C + c] = lo < 6.f ? lo : 6.f;
  });
}

void batch_norm_backward(int64_t rows, int64_t C, const float* x, const float* dy,
                         const float* relu6_y, const float* mean, const float* var,
                         const float* gamma, const float* beta, float eps, bool training, float* dx,
                         float* dgamma, float* dbeta) {
  const std::vector<float> inv = inv_std(C, var, eps);
  const std::vector<float> a = scaling(C, inv, gamma);
  std::vector<float> b(C, 0.f);
  if (beta) b.assign(beta, beta + C);
  auto body = [&](auto mask) {
    backward_body<decltype(mask)::value>(rows, C, x, dy, relu6_y, mean, inv, a, b, training, dx,
                                         dgamma, dbeta);
  };
  if (!relu6_y)
    body(std::integral_constant<Mask, Mask::None>());
  else if (training || dgamma)  // x is read anyway: the mask from x, y never read
    body(std::integral_constant<Mask, Mask::Input>());
  else
    body(std::integral_constant<Mask, Mask::Output>());
}

void relu6_backward_sums(int64_t rows, int64_t C, const float* y, const float* dy, float* dx,
                         float* sum_dx) {
  // The frozen batch norm's pass with a scale of 1 (exact): the same masking and sums.
  const std::vector<float> ones(C, 1.f);
  sums_pass<Mask::Output, true, false>(rows, C, nullptr, dy, y, nullptr, ones.data(), nullptr, dx,
                                       sum_dx, nullptr);
}

void batch_norm_moments_ref(int64_t rows, int64_t C, const float* x, float* mean, float* var) {
  for (int64_t c = 0; c < C; ++c) {
    double s = 0, s2 = 0;
    for (int64_t r = 0; r < rows; ++r) s += x[r * C + c];
    const double m = rows ? s / rows : 0;
    for (int64_t r = 0; r < rows; ++r) s2 += (x[r * C + c] - m) * (x[r * C + c] - m);
    mean[c] = static_cast<float>(m);
    var[c] = static_cast<float>(rows ? s2 / rows : 0);
  }
}

void batch_norm_forward_ref(int64_t rows, int64_t C, const float* x, const float* mean,
                            const float* var, const float* gamma, const float* beta, float eps,
                            float* y) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < C; ++c) {
      const float g = gamma ? gamma[c] : 1.f, b = beta ? beta[c] : 0.f;
      y[r * C + c] = (x[r * C + c] - mean[c]) / std::sqrt(var[c] + eps) * g + b;
    }
}

void batch_norm_backward_ref(int64_t rows, int64_t C, const float* x, const float* dy,
                             const float* mean, const float* var, const float* gamma, float eps,
                             bool training, float* dx, float* dgamma, float* dbeta) {
  for (int64_t c = 0; c < C; ++c) {
    const double inv = 1.0 / std::sqrt(static_cast<double>(var[c]) + eps);
    const double g = gamma ? gamma[c] : 1.0;
    double sdy = 0, sdyxc = 0;
    for (int64_t r = 0; r < rows; ++r) {
      sdy += dy[r * C + c];
      sdyxc += dy[r * C + c] * (x[r * C + c] - mean[c]);
    }
    if (dbeta) dbeta[c] = static_cast<float>(sdy);
    if (dgamma) dgamma[c] = static_cast<float>(sdyxc * inv);
    if (!dx) continue;
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t i = r * C + c;
      double v = dy[i];
      if (training) v -= (sdy + (x[i] - mean[c]) * sdyxc * inv * inv) / rows;
      dx[i] = static_cast<float>(g * inv * v);
    }
  }
}

}  // namespace tailor::kernels::cpu
