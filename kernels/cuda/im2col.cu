#include "kernels/cuda/im2col.h"
#include "kernels/cuda/library_handles.h"
#include "kernels/cuda/vec.cuh"
#include "runtime/cuda/stream.h"

namespace tailor::kernels::cuda {

namespace {

struct Geo {
  int n, h, w, c, kh, kw, oh, ow, s, pt, pl;
};

Geo geo(const ConvGeometry& g) {
  return {int(g.batch),    int(g.in_h),     int(g.in_w),    int(g.in_c),
          int(g.kernel_h), int(g.kernel_w), int(g.out_h),   int(g.out_w),
          int(g.stride),   int(g.pad_top),  int(g.pad_left)};
}

// One thread per col element; consecutive threads walk channels, so reads and writes coalesce.
__global__ void im2col_kernel(Geo g, const float* __restrict__ x, float* __restrict__ col) {
  const int64_t cols = int64_t(g.kh) * g.kw * g.c;
  const int64_t total = int64_t(g.n) * g.oh * g.ow * cols;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t row = i / cols;
    int r = int(i % cols);
    const int c = r % g.c;
    r /= g.c;
    const int kj = r % g.kw, ki = r / g.kw;
    const int ow = int(row % g.ow);
    const int64_t q = row / g.ow;
    const int oh = int(q % g.oh), n = int(q / g.oh);
    const int ih = oh * g.s - g.pt + ki, iw = ow * g.s - g.pl + kj;
    col[i] = (ih >= 0 && ih < g.h && iw >= 0 && iw < g.w)
                 ? __ldg(x + ((int64_t(n) * g.h + ih) * g.w + iw) * g.c + c)
                 : 0.f;
  }
}

__global__ void col2im_kernel(Geo g, const float* __restrict__ col, float* __restrict__ dx) {
  const int64_t cols = int64_t(g.kh) * g.kw * g.c;
  const int64_t total = int64_t(g.n) * g.h * g.w * g.c;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int c = int(i % g.c);
    int64_t q = i / g.c;
    const int iw = int(q % g.w);
    q /= g.w;
    const int ih = int(q % g.h), n = int(q / g.h);
    float s = 0.f;
    for (int ki = 0; ki < g.kh; ++ki) {
      const int rh = ih + g.pt - ki;
      if (rh < 0 || rh % g.s) continue;
      const int oh = rh / g.s;
      if (oh >= g.oh) continue;
      for (int kj = 0; kj < g.kw; ++kj) {
        const int rw = iw + g.pl - kj;
        if (rw < 0 || rw % g.s) continue;
        const int ow = rw / g.s;
        if (ow >= g.ow) continue;
        const int64_t row = (int64_t(n) * g.oh + oh) * g.ow + ow;
        s += __ldg(col + row * cols + (int64_t(ki) * g.kw + kj) * g.c + c);
      }
    }
    dx[i] = s;
  }
}

}  // namespace

void im2col(const ConvGeometry& g, const float* x, float* col) {
  const int64_t total = g.batch * g.out_h * g.out_w * g.kernel_h * g.kernel_w * g.in_c;
  if (total == 0) return;
  im2col_kernel<<<grid_for(total), 256, 0, tailor::cuda::current_stream()>>>(geo(g), x, col);
  TAILOR_CUDA_LAUNCH_CHECK("im2col_kernel", describe("conv2d", g));
}

void col2im(const ConvGeometry& g, const float* col, float* dx) {
  const int64_t total = g.input_numel();
  if (total == 0) return;
  col2im_kernel<<<grid_for(total), 256, 0, tailor::cuda::current_stream()>>>(geo(g), col, dx);
  TAILOR_CUDA_LAUNCH_CHECK("col2im_kernel", describe("conv2d", g));
}

}  // namespace tailor::kernels::cuda
