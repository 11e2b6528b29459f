// Grid-stride loops; float4 when every pointer is 16-byte aligned, scalar for the tail.
#include <string>

#include "kernels/cuda/elementwise.h"
#include "kernels/cuda/library_handles.h"
#include "kernels/cuda/vec.cuh"
#include "runtime/cuda/stream.h"

namespace tailor::kernels::cuda {

namespace {

struct AddOp {
  __device__ float operator()(float a, float b) const { return a + b; }
};
struct SubOp {
  __device__ float operator()(float a, float b) const { return a - b; }
};
struct MulOp {
  __device__ float operator()(float a, float b) const { return a * b; }
};
struct ScaleOp {
  float s;
  __device__ float operator()(float a, float) const { return a * s; }
};
struct AddScalarOp {
  float s;
  __device__ float operator()(float a, float) const { return a + s; }
};
struct AxpyOp {  // a = x, b = out
  float alpha;
  __device__ float operator()(float a, float b) const { return fmaf(alpha, a, b); }
};
struct FillOp {
  float v;
  __device__ float operator()(float, float) const { return v; }
};
struct Relu6Op {
  __device__ float operator()(float a, float) const { return fminf(fmaxf(a, 0.f), 6.f); }
};
struct Relu6GradOp {  // a = x, b = dy
  __device__ float operator()(float a, float b) const { return (a > 0.f && a < 6.f) ? b : 0.f; }
};
struct SigmoidOp {
  __device__ float operator()(float a, float) const { return 1.f / (1.f + expf(-a)); }
};
struct SigmoidGradOp {  // a = y, b = dy
  __device__ float operator()(float a, float b) const { return b * a * (1.f - a); }
};

__device__ __forceinline__ float ld(const float* p, int64_t i) {
  return p ? p[i] : 0.f;
}

template <typename Op>
__global__ void binary_kernel(int64_t n, const float* a, const float* b, float* out, Op op) {
  const int64_t stride = int64_t(gridDim.x) * blockDim.x;
  const int64_t n4 = n / 4;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n4; i += stride) {
    const float4 va = reinterpret_cast<const float4*>(a)[i];
    const float4 vb = b ? reinterpret_cast<const float4*>(b)[i] : make_float4(0, 0, 0, 0);
    reinterpret_cast<float4*>(out)[i] = {op(va.x, vb.x), op(va.y, vb.y), op(va.z, vb.z),
                                         op(va.w, vb.w)};
  }
  for (int64_t i = n4 * 4 + blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += stride)
    out[i] = op(ld(a, i), ld(b, i));
}

template <typename Op>
__global__ void binary_scalar_kernel(int64_t n, const float* a, const float* b, float* out, Op op) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    out[i] = op(ld(a, i), ld(b, i));
}

template <typename Op>
void launch(const char* name, int64_t n, const float* a, const float* b, float* out, Op op) {
  if (n == 0) return;
  cudaStream_t s = tailor::cuda::current_stream();
  const bool vec = a && aligned16(a) && (!b || aligned16(b)) && aligned16(out);
  if (vec)
    binary_kernel<<<grid_for((n + 3) / 4), 256, 0, s>>>(n, a, b, out, op);
  else
    binary_scalar_kernel<<<grid_for(n), 256, 0, s>>>(n, a, b, out, op);
  TAILOR_CUDA_LAUNCH_CHECK("elementwise_kernel",
                           std::string(name) + " [" + std::to_string(n) + "]");
}

__global__ void bias_add_kernel(int64_t rows, int channels, const float* __restrict__ x,
                                const float* __restrict__ b, float* out) {
  const int64_t total = rows * channels;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total;
       i += int64_t(gridDim.x) * blockDim.x)
    out[i] = x[i] + b[i % channels];
}

}  // namespace

void add(int64_t n, const float* a, const float* b, float* out) {
  launch("add", n, a, b, out, AddOp{});
}
void sub(int64_t n, const float* a, const float* b, float* out) {
  launch("sub", n, a, b, out, SubOp{});
}
void mul(int64_t n, const float* a, const float* b, float* out) {
  launch("mul", n, a, b, out, MulOp{});
}
void scale(int64_t n, const float* x, float s, float* out) {
  launch("scale", n, x, nullptr, out, ScaleOp{s});
}
void add_scalar(int64_t n, const float* x, float s, float* out) {
  launch("add_scalar", n, x, nullptr, out, AddScalarOp{s});
}
void axpy(int64_t n, float alpha, const float* x, float* out) {
  launch("axpy", n, x, out, out, AxpyOp{alpha});
}
void fill(int64_t n, float value, float* out) {
  if (n == 0) return;
  binary_scalar_kernel<<<grid_for(n), 256, 0, tailor::cuda::current_stream()>>>(n, nullptr, nullptr,
                                                                                out, FillOp{value});
  TAILOR_CUDA_LAUNCH_CHECK("elementwise_kernel", "fill [" + std::to_string(n) + "]");
}
void relu6(int64_t n, const float* x, float* out) {
  launch("relu6", n, x, nullptr, out, Relu6Op{});
}
void relu6_backward(int64_t n, const float* x, const float* dy, float* dx) {
  launch("relu6_backward", n, x, dy, dx, Relu6GradOp{});
}
void sigmoid(int64_t n, const float* x, float* out) {
  launch("sigmoid", n, x, nullptr, out, SigmoidOp{});
}
void sigmoid_backward(int64_t n, const float* y, const float* dy, float* dx) {
  launch("sigmoid_backward", n, y, dy, dx, SigmoidGradOp{});
}

void bias_add(int64_t rows, int64_t channels, const float* x, const float* b, float* out) {
  if (rows * channels == 0) return;
  bias_add_kernel<<<grid_for(rows * channels), 256, 0, tailor::cuda::current_stream()>>>(
      rows, int(channels), x, b, out);
  TAILOR_CUDA_LAUNCH_CHECK("bias_add_kernel",
                           "[" + std::to_string(rows) + "," + std::to_string(channels) + "]");
}

}  // namespace tailor::kernels::cuda
