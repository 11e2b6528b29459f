#include <string>

#include "kernels/cuda/copy_rows.h"
#include "kernels/cuda/library_handles.h"
#include "kernels/cuda/vec.cuh"
#include "runtime/cuda/stream.h"

namespace tailor::kernels::cuda {

namespace {

constexpr int kThreads = 256;

std::string dims(int64_t a, int64_t b) {
  return "[" + std::to_string(a) + "," + std::to_string(b) + "]";
}

__global__ void gather_rows_kernel(int64_t m, int64_t D, const float* __restrict__ x,
                                   const int32_t* __restrict__ index, float* __restrict__ y) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < m * D;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t r = i / D, d = i - r * D;
    y[i] = x[int64_t(index[r]) * D + d];
  }
}

__global__ void scatter_add_rows_kernel(int64_t m, int64_t D, const float* __restrict__ x,
                                        const int32_t* __restrict__ index, float* __restrict__ y) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < m * D;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t r = i / D, d = i - r * D;
    atomicAdd(&y[int64_t(index[r]) * D + d], x[i]);
  }
}

// One thread per row: the detector's rows are short (4 codes, 10 classes), so a sequential
// sum is both fast enough and bit-identical to the CPU's index-order sum.
__global__ void sum_last_dim_kernel(int64_t rows, int64_t D, const float* __restrict__ x,
                                    float* __restrict__ y) {
  for (int64_t r = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; r < rows;
       r += int64_t(gridDim.x) * blockDim.x) {
    float s = 0.f;
    for (int64_t d = 0; d < D; ++d) s += x[r * D + d];
    y[r] = s;
  }
}

__global__ void broadcast_last_dim_kernel(int64_t rows, int64_t D, const float* __restrict__ g,
                                          float* __restrict__ y) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < rows * D;
       i += int64_t(gridDim.x) * blockDim.x)
    y[i] = g[i / D];
}

__global__ void broadcast_scalar_kernel(int64_t n, const float* __restrict__ scalar, float factor,
                                        float* __restrict__ y) {
  const float v = *scalar * factor;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    y[i] = v;
}

}  // namespace

void copy_blocks(int64_t outer, int64_t width, const float* src, int64_t src_stride, float* dst,
                 int64_t dst_stride) {
  if (outer == 0 || width == 0) return;
  TAILOR_CUDA_CHECK(cudaMemcpy2DAsync(dst, dst_stride * sizeof(float), src,
                                      src_stride * sizeof(float), width * sizeof(float), outer,
                                      cudaMemcpyDeviceToDevice, tailor::cuda::current_stream()),
                    "copy_blocks " + dims(outer, width));
}

void gather_rows(int64_t m, int64_t D, const float* x, const int32_t* index, float* y) {
  if (m * D == 0) return;
  gather_rows_kernel<<<grid_for(m * D), kThreads, 0, tailor::cuda::current_stream()>>>(m, D, x,
                                                                                       index, y);
  TAILOR_CUDA_LAUNCH_CHECK("gather_rows_kernel", dims(m, D));
}

void scatter_add_rows(int64_t m, int64_t D, const float* x, const int32_t* index, float* y) {
  if (m * D == 0) return;
  scatter_add_rows_kernel<<<grid_for(m * D), kThreads, 0, tailor::cuda::current_stream()>>>(
      m, D, x, index, y);
  TAILOR_CUDA_LAUNCH_CHECK("scatter_add_rows_kernel", dims(m, D));
}

void sum_last_dim(int64_t rows, int64_t D, const float* x, float* y) {
  if (rows == 0) return;
  sum_last_dim_kernel<<<grid_for(rows), kThreads, 0, tailor::cuda::current_stream()>>>(rows, D, x,
                                                                                       y);
  TAILOR_CUDA_LAUNCH_CHECK("sum_last_dim_kernel", dims(rows, D));
}

void broadcast_last_dim(int64_t rows, int64_t D, const float* g, float* y) {
  if (rows * D == 0) return;
  broadcast_last_dim_kernel<<<grid_for(rows * D), kThreads, 0, tailor::cuda::current_stream()>>>(
      rows, D, g, y);
  TAILOR_CUDA_LAUNCH_CHECK("broadcast_last_dim_kernel", dims(rows, D));
}

void broadcast_scalar(int64_t n, const float* scalar, float factor, float* y) {
  if (n == 0) return;
  broadcast_scalar_kernel<<<grid_for(n), kThreads, 0, tailor::cuda::current_stream()>>>(n, scalar,
                                                                                        factor, y);
  TAILOR_CUDA_LAUNCH_CHECK("broadcast_scalar_kernel", "[" + std::to_string(n) + "]");
}

}  // namespace tailor::kernels::cuda
