// Channel statistics are reduced in two levels: blocks of 32 channels x 8 row lanes sweep a
// range of rows (32 consecutive channels per warp row, so loads coalesce) and write one partial
// per (range, channel); a second kernel folds the ranges in a fixed order per channel. Forward
// sums are accumulated in double so the one-pass variance E[x^2] - E[x]^2 keeps its precision.
#include <string>

#include "kernels/cuda/batch_norm.h"
#include "kernels/cuda/launch_util.h"
#include "kernels/cuda/library_handles.h"
#include "kernels/cuda/vec.cuh"
#include "runtime/cuda/caching_allocator.h"
#include "runtime/cuda/stream.h"

namespace tailor::kernels::cuda {

namespace {

constexpr int kLanes = 8;

__device__ __forceinline__ float relu6_mask(const float* y, int64_t i) {
  const float v = y[i];
  return (v > 0.f && v < 6.f) ? 1.f : 0.f;
}

// partial[p][c] = (sum x, sum x^2) over this block's rows.
__global__ void stats_partial_kernel(int64_t rows, int channels, const float* __restrict__ x,
                                     double2* __restrict__ partial) {
  __shared__ double2 red[kLanes][32];
  const int c = blockIdx.x * 32 + threadIdx.x;
  double s = 0, q = 0;
  if (c < channels)
    for (int64_t r = blockIdx.y * int64_t(kLanes) + threadIdx.y; r < rows;
         r += int64_t(gridDim.y) * kLanes) {
      const double v = x[r * channels + c];
      s += v;
      q += v * v;
    }
  red[threadIdx.y][threadIdx.x] = make_double2(s, q);
  __syncthreads();
  if (threadIdx.y == 0 && c < channels) {
    for (int l = 1; l < kLanes; ++l) {
      s += red[l][threadIdx.x].x;
      q += red[l][threadIdx.x].y;
    }
    partial[int64_t(blockIdx.y) * channels + c] = make_double2(s, q);
  }
}

__global__ void stats_final_kernel(int64_t rows, int channels, int parts,
                                   const double2* __restrict__ partial, float epsilon,
                                   float* __restrict__ mean_out, float* __restrict__ rstd_out,
                                   float* __restrict__ moving_mean, float* __restrict__ moving_var,
                                   float decay) {
  const int c = blockIdx.x * blockDim.x + threadIdx.x;
  if (c >= channels) return;
  double s = 0, q = 0;
  for (int p = 0; p < parts; ++p) {
    s += partial[int64_t(p) * channels + c].x;
    q += partial[int64_t(p) * channels + c].y;
  }
  const double mean = rows > 0 ? s / rows : 0.0;
  double var = rows > 0 ? q / rows - mean * mean : 0.0;
  if (var < 0) var = 0;
  mean_out[c] = float(mean);
  rstd_out[c] = float(1.0 / sqrt(var + double(epsilon)));
  if (moving_mean) moving_mean[c] = moving_mean[c] * decay + float(mean) * (1.f - decay);
  if (moving_var) {
    const double unbiased = rows > 1 ? var * double(rows) / double(rows - 1) : var;
    moving_var[c] = moving_var[c] * decay + float(unbiased) * (1.f - decay);
  }
}

// y = relu6?(gamma * (x - mean) * rstd + beta). rstd is either given (training) or derived from
// var (inference, var != nullptr).
__global__ void normalize_kernel(int64_t rows, int channels, const float* __restrict__ x,
                                 const float* __restrict__ gamma, const float* __restrict__ beta,
                                 const float* __restrict__ mean, const float* __restrict__ rstd,
                                 const float* __restrict__ var, float epsilon, bool relu6,
                                 float* __restrict__ y) {
  const int64_t total = rows * channels;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int c = int(i % channels);
    const float r = var ? rsqrtf(var[c] + epsilon) : rstd[c];
    const float g = gamma ? gamma[c] : 1.f;
    float v = (x[i] - mean[c]) * (g * r) + beta[c];  // TF's order of operations
    if (relu6) v = fminf(fmaxf(v, 0.f), 6.f);
    y[i] = v;
  }
}

// partial[p][c] = (sum dz, sum dz * xhat) with dz = dy * relu6 mask, xhat = (x - mean) * rstd.
__global__ void grad_partial_kernel(int64_t rows, int channels, const float* __restrict__ x,
                                    const float* __restrict__ y, const float* __restrict__ dy,
                                    const float* __restrict__ mean, const float* __restrict__ rstd,
                                    const float* __restrict__ var, float epsilon, bool relu6,
                                    float2* __restrict__ partial) {
  __shared__ float2 red[kLanes][32];
  const int c = blockIdx.x * 32 + threadIdx.x;
  float s = 0, q = 0;
  if (c < channels) {
    const float m = mean[c], r = var ? rsqrtf(var[c] + epsilon) : rstd[c];
    for (int64_t row = blockIdx.y * int64_t(kLanes) + threadIdx.y; row < rows;
         row += int64_t(gridDim.y) * kLanes) {
      const int64_t i = row * channels + c;
      float dz = dy[i];
      if (relu6) dz *= relu6_mask(y, i);
      s += dz;
      q += dz * (x[i] - m) * r;
    }
  }
  red[threadIdx.y][threadIdx.x] = make_float2(s, q);
  __syncthreads();
  if (threadIdx.y == 0 && c < channels) {
    for (int l = 1; l < kLanes; ++l) {
      s += red[l][threadIdx.x].x;
      q += red[l][threadIdx.x].y;
    }
    partial[int64_t(blockIdx.y) * channels + c] = make_float2(s, q);
  }
}

__global__ void grad_final_kernel(int channels, int parts, const float2* __restrict__ partial,
                                  float* __restrict__ dbeta, float* __restrict__ dgamma) {
  const int c = blockIdx.x * blockDim.x + threadIdx.x;
  if (c >= channels) return;
  float s = 0, q = 0;
  for (int p = 0; p < parts; ++p) {
    s += partial[int64_t(p) * channels + c].x;
    q += partial[int64_t(p) * channels + c].y;
  }
  dbeta[c] = s;
  dgamma[c] = q;
}

// Training: dx = gamma * rstd * (dz - dbeta / rows - xhat * dgamma / rows).
// Inference (var given): dx = gamma * rstd * dz.
__global__ void grad_input_kernel(int64_t rows, int channels, const float* __restrict__ x,
                                  const float* __restrict__ y, const float* __restrict__ dy,
                                  const float* __restrict__ gamma, const float* __restrict__ mean,
                                  const float* __restrict__ rstd, const float* __restrict__ var,
                                  float epsilon, bool relu6, const float* __restrict__ dbeta,
                                  const float* __restrict__ dgamma, float* __restrict__ dx) {
  const int64_t total = rows * channels;
  const float inv_rows = rows > 0 ? 1.f / float(rows) : 0.f;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int c = int(i % channels);
    float dz = dy[i];
    if (relu6) dz *= relu6_mask(y, i);
    const float g = gamma ? gamma[c] : 1.f;
    if (var) {
      dx[i] = g * rsqrtf(var[c] + epsilon) * dz;
    } else {
      const float r = rstd[c];
      const float xhat = (x[i] - mean[c]) * r;
      dx[i] = g * r * (dz - dbeta[c] * inv_rows - xhat * dgamma[c] * inv_rows);
    }
  }
}

std::string shape(int64_t rows, int64_t channels) {
  return "[" + std::to_string(rows) + "," + std::to_string(channels) + "]";
}

// The shared backward: reduces dbeta/dgamma, then dx. `var` non-null selects inference.
void backward(int64_t rows, int64_t channels, const float* x, const float* y, const float* dy,
              const float* gamma, const float* mean, const float* rstd, const float* var,
              float epsilon, bool relu6, float* dx, float* dgamma, float* dbeta, const char* what) {
  if (channels == 0) return;
  cudaStream_t s = tailor::cuda::current_stream();
  const std::string ctx = std::string(what) + " " + shape(rows, channels);
  const int parts = reduction_partitions(rows, channels);
  tailor::cuda::DeviceBuffer partial(sizeof(float2) * size_t(parts) * channels);
  tailor::cuda::DeviceBuffer sums(sizeof(float) * 2 * channels);
  float* db = dbeta ? dbeta : sums.as<float>();
  float* dg = dgamma ? dgamma : sums.as<float>() + channels;
  const dim3 grid(unsigned((channels + 31) / 32), unsigned(parts));
  grad_partial_kernel<<<grid, dim3(32, kLanes), 0, s>>>(rows, int(channels), x, y, dy, mean, rstd,
                                                        var, epsilon, relu6, partial.as<float2>());
  TAILOR_CUDA_LAUNCH_CHECK("grad_partial_kernel", ctx);
  grad_final_kernel<<<unsigned((channels + 255) / 256), 256, 0, s>>>(int(channels), parts,
                                                                     partial.as<float2>(), db, dg);
  TAILOR_CUDA_LAUNCH_CHECK("grad_final_kernel", ctx);
  if (rows == 0) return;
  grad_input_kernel<<<grid_for(rows * channels), 256, 0, s>>>(
      rows, int(channels), x, y, dy, gamma, mean, rstd, var, epsilon, relu6, db, dg, dx);
  TAILOR_CUDA_LAUNCH_CHECK("grad_input_kernel", ctx);
}

}  // namespace

void batch_norm_train_forward(int64_t rows, int64_t channels, const float* x, const float* gamma,
                              const float* beta, float epsilon, bool relu6, float* y,
                              float* save_mean, float* save_rstd, float* moving_mean,
                              float* moving_var, float decay) {
  if (channels == 0) return;
  cudaStream_t s = tailor::cuda::current_stream();
  const std::string ctx = "batch_norm_train_forward " + shape(rows, channels);
  const int parts = reduction_partitions(rows, channels);
  tailor::cuda::DeviceBuffer partial(sizeof(double2) * size_t(parts) * channels);
  stats_partial_kernel<<<dim3(unsigned((channels + 31) / 32), unsigned(parts)), dim3(32, kLanes), 0,
                         s>>>(rows, int(channels), x, partial.as<double2>());
  TAILOR_CUDA_LAUNCH_CHECK("stats_partial_kernel", ctx);
  stats_final_kernel<<<unsigned((channels + 255) / 256), 256, 0, s>>>(
      rows, int(channels), parts, partial.as<double2>(), epsilon, save_mean, save_rstd, moving_mean,
      moving_var, decay);
  TAILOR_CUDA_LAUNCH_CHECK("stats_final_kernel", ctx);
  if (rows == 0) return;
  normalize_kernel<<<grid_for(rows * channels), 256, 0, s>>>(
      rows, int(channels), x, gamma, beta, save_mean, save_rstd, nullptr, epsilon, relu6, y);
  TAILOR_CUDA_LAUNCH_CHECK("normalize_kernel", ctx);
}

void batch_norm_infer_forward(int64_t rows, int64_t channels, const float* x, const float* gamma,
                              const float* beta, const float* moving_mean, const float* moving_var,
                              float epsilon, bool relu6, float* y) {
  if (rows * channels == 0) return;
  normalize_kernel<<<grid_for(rows * channels), 256, 0, tailor::cuda::current_stream()>>>(
      rows, int(channels), x, gamma, beta, moving_mean, nullptr, moving_var, epsilon, relu6, y);
  TAILOR_CUDA_LAUNCH_CHECK("normalize_kernel", "batch_norm_infer_forward " + shape(rows, channels));
}

void batch_norm_train_backward(int64_t rows, int64_t channels, const float* x, const float* y,
                               const float* dy, const float* gamma, const float* save_mean,
                               const float* save_rstd, bool relu6, float* dx, float* dgamma,
                               float* dbeta) {
  backward(rows, channels, x, y, dy, gamma, save_mean, save_rstd, nullptr, 0.f, relu6, dx, dgamma,
           dbeta, "batch_norm_train_backward");
}

void batch_norm_infer_backward(int64_t rows, int64_t channels, const float* x, const float* y,
                               const float* dy, const float* gamma, const float* moving_mean,
                               const float* moving_var, float epsilon, bool relu6, float* dx,
                               float* dgamma, float* dbeta) {
  backward(rows, channels, x, y, dy, gamma, moving_mean, nullptr, moving_var, epsilon, relu6, dx,
           dgamma, dbeta, "batch_norm_infer_backward");
}

}  // namespace tailor::kernels::cuda
