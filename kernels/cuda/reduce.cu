#include <string>

#include "kernels/cuda/launch_util.h"
#include "kernels/cuda/library_handles.h"
#include "kernels/cuda/reduce.h"
#include "kernels/cuda/vec.cuh"
#include "runtime/cuda/caching_allocator.h"
#include "runtime/cuda/stream.h"

namespace tailor::kernels::cuda {

namespace {

constexpr int kThreads = 256;
constexpr int kLanes = 8;

__device__ __forceinline__ float block_sum(float v) {
  __shared__ float warp_sums[kThreads / 32];
  for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
  if (threadIdx.x % 32 == 0) warp_sums[threadIdx.x / 32] = v;
  __syncthreads();
  float s = 0.f;
  if (threadIdx.x == 0)
    for (int w = 0; w < kThreads / 32; ++w) s += warp_sums[w];
  return s;  // valid in thread 0
}

__global__ void sum_partial_kernel(int64_t n, const float* __restrict__ x,
                                   float* __restrict__ partial) {
  float s = 0.f;
  for (int64_t i = blockIdx.x * int64_t(kThreads) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * kThreads)
    s += x[i];
  s = block_sum(s);
  if (threadIdx.x == 0) partial[blockIdx.x] = s;
}

__global__ void sum_final_kernel(int parts, const float* __restrict__ partial,
                                 float* __restrict__ out) {
  float s = 0.f;
  for (int i = threadIdx.x; i < parts; i += kThreads) s += partial[i];
  s = block_sum(s);
  if (threadIdx.x == 0) out[0] = s;
}

__global__ void column_partial_kernel(int64_t rows, int channels, const float* __restrict__ x,
                                      float* __restrict__ partial) {
  __shared__ float red[kLanes][32];
  const int c = blockIdx.x * 32 + threadIdx.x;
  float s = 0.f;
  if (c < channels)
    for (int64_t r = blockIdx.y * int64_t(kLanes) + threadIdx.y; r < rows;
         r += int64_t(gridDim.y) * kLanes)
      s += x[r * channels + c];
  red[threadIdx.y][threadIdx.x] = s;
  __syncthreads();
  if (threadIdx.y == 0 && c < channels) {
    for (int l = 1; l < kLanes; ++l) s += red[l][threadIdx.x];
    partial[int64_t(blockIdx.y) * channels + c] = s;
  }
}

__global__ void column_final_kernel(int channels, int parts, const float* __restrict__ partial,
                                    float* __restrict__ out) {
  const int c = blockIdx.x * blockDim.x + threadIdx.x;
  if (c >= channels) return;
  float s = 0.f;
  for (int p = 0; p < parts; ++p) s += partial[int64_t(p) * channels + c];
  out[c] = s;
}

}  // namespace

void sum(int64_t n, const float* x, float* out) {
  cudaStream_t s = tailor::cuda::current_stream();
  const std::string ctx = "sum [" + std::to_string(n) + "]";
  const int parts =
      int(std::max<int64_t>(1, std::min<int64_t>((n + kThreads - 1) / kThreads, 4 * sm_count())));
  tailor::cuda::DeviceBuffer partial(sizeof(float) * parts);
  sum_partial_kernel<<<parts, kThreads, 0, s>>>(n, x, partial.as<float>());
  TAILOR_CUDA_LAUNCH_CHECK("sum_partial_kernel", ctx);
  sum_final_kernel<<<1, kThreads, 0, s>>>(parts, partial.as<float>(), out);
  TAILOR_CUDA_LAUNCH_CHECK("sum_final_kernel", ctx);
}

void column_sum(int64_t rows, int64_t channels, const float* x, float* out) {
  if (channels == 0) return;
  cudaStream_t s = tailor::cuda::current_stream();
  const std::string ctx =
      "column_sum [" + std::to_string(rows) + "," + std::to_string(channels) + "]";
  const int parts = reduction_partitions(rows, channels);
  tailor::cuda::DeviceBuffer partial(sizeof(float) * size_t(parts) * channels);
  column_partial_kernel<<<dim3(unsigned((channels + 31) / 32), unsigned(parts)), dim3(32, kLanes),
                          0, s>>>(rows, int(channels), x, partial.as<float>());
  TAILOR_CUDA_LAUNCH_CHECK("column_partial_kernel", ctx);
  column_final_kernel<<<unsigned((channels + 255) / 256), 256, 0, s>>>(int(channels), parts,
                                                                       partial.as<float>(), out);
  TAILOR_CUDA_LAUNCH_CHECK("column_final_kernel", ctx);
}

}  // namespace tailor::kernels::cuda
