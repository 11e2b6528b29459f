#include "kernels/cuda/library_handles.h"
#include "kernels/cuda/tensor_layout.h"
#include "kernels/cuda/vec.cuh"
#include "runtime/cuda/stream.h"

namespace tailor::kernels::cuda {

namespace {

// 32x32 tiles through shared memory (padded a column against bank conflicts) so both the read
// and the write are coalesced.
__global__ void transpose_kernel(const float* __restrict__ in, int64_t rows, int64_t cols,
                                 float* __restrict__ out) {
  __shared__ float tile[32][33];
  const int64_t r0 = int64_t(blockIdx.y) * 32, c0 = int64_t(blockIdx.x) * 32;
  for (int i = threadIdx.y; i < 32; i += 8) {
    const int64_t r = r0 + i, c = c0 + threadIdx.x;
    if (r < rows && c < cols) tile[i][threadIdx.x] = in[r * cols + c];
  }
  __syncthreads();
  for (int i = threadIdx.y; i < 32; i += 8) {
    const int64_t c = c0 + i, r = r0 + threadIdx.x;
    if (r < rows && c < cols) out[c * rows + r] = tile[threadIdx.x][i];
  }
}

// One thread per element of the larger (padded) tensor; `to_padded` picks the direction.
__global__ void pad_crop_kernel(const float* __restrict__ src, int64_t n, int64_t h, int64_t w,
                                int64_t c, int64_t hp, int64_t wp, bool to_padded,
                                float* __restrict__ dst) {
  const int64_t total = n * hp * wp * c;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t ch = i % c;
    int64_t q = i / c;
    const int64_t x = q % wp;
    q /= wp;
    const int64_t y = q % hp, b = q / hp;
    const bool inside = y < h && x < w;
    const int64_t small = ((b * h + y) * w + x) * c + ch;
    if (to_padded)
      dst[i] = inside ? src[small] : 0.f;
    else if (inside)
      dst[small] = src[i];
  }
}

}  // namespace

void transpose2d(const float* in, int64_t rows, int64_t cols, float* out) {
  if (rows == 0 || cols == 0) return;
  const dim3 grid(unsigned((cols + 31) / 32), unsigned((rows + 31) / 32));
  transpose_kernel<<<grid, dim3(32, 8), 0, tailor::cuda::current_stream()>>>(in, rows, cols, out);
  TAILOR_CUDA_LAUNCH_CHECK("transpose_kernel",
                           "[" + std::to_string(rows) + "," + std::to_string(cols) + "]");
}

void pad_bottom_right(const float* x, int64_t n, int64_t h, int64_t w, int64_t c, int64_t extra_h,
                      int64_t extra_w, float* out) {
  const int64_t total = n * (h + extra_h) * (w + extra_w) * c;
  if (total == 0) return;
  pad_crop_kernel<<<grid_for(total), 256, 0, tailor::cuda::current_stream()>>>(
      x, n, h, w, c, h + extra_h, w + extra_w, true, out);
  TAILOR_CUDA_LAUNCH_CHECK("pad_crop_kernel", "pad [" + std::to_string(n) + "," +
                                                  std::to_string(h) + "," + std::to_string(w) +
                                                  "," + std::to_string(c) + "]");
}

void crop_bottom_right(const float* xp, int64_t n, int64_t h, int64_t w, int64_t c, int64_t extra_h,
                       int64_t extra_w, float* out) {
  const int64_t total = n * (h + extra_h) * (w + extra_w) * c;
  if (total == 0) return;
  pad_crop_kernel<<<grid_for(total), 256, 0, tailor::cuda::current_stream()>>>(
      xp, n, h, w, c, h + extra_h, w + extra_w, false, out);
  TAILOR_CUDA_LAUNCH_CHECK("pad_crop_kernel", "crop [" + std::to_string(n) + "," +
                                                  std::to_string(h) + "," + std::to_string(w) +
                                                  "," + std::to_string(c) + "]");
}

}  // namespace tailor::kernels::cuda
