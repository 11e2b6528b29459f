#pragma once
// Device helpers shared by the .cu files: float/float4 arithmetic written once for both widths,
// and launch sizing.
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>

namespace tailor::kernels::cuda {

__device__ __forceinline__ float4 operator+(float4 a, float4 b) {
  return {a.x + b.x, a.y + b.y, a.z + b.z, a.w + b.w};
}
__device__ __forceinline__ float4 operator*(float4 a, float4 b) {
  return {a.x * b.x, a.y * b.y, a.z * b.z, a.w * b.w};
}
__device__ __forceinline__ float4 fma4(float4 a, float4 b, float4 c) {
  return {fmaf(a.x, b.x, c.x), fmaf(a.y, b.y, c.y), fmaf(a.z, b.z, c.z), fmaf(a.w, b.w, c.w)};
}
__device__ __forceinline__ float fma4(float a, float b, float c) {
  return fmaf(a, b, c);
}

template <typename V>
__device__ __forceinline__ V vzero();
template <>
__device__ __forceinline__ float vzero<float>() {
  return 0.f;
}
template <>
__device__ __forceinline__ float4 vzero<float4>() {
  return {0.f, 0.f, 0.f, 0.f};
}

template <typename V>
constexpr int vwidth() {
  return sizeof(V) / sizeof(float);
}

inline bool aligned16(const void* p) {
  return (reinterpret_cast<uintptr_t>(p) & 15) == 0;
}

// Blocks for a grid-stride loop over n items: enough to fill the GPU, never more than needed.
inline int grid_for(int64_t n, int threads = 256) {
  return int(std::max<int64_t>(1, std::min<int64_t>((n + threads - 1) / threads, 65535)));
}

}  // namespace tailor::kernels::cuda
