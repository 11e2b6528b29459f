// Two kernels: a bit matrix (one bit per pair i < j: does i suppress j?) built 64x64 tiles at a
// time, then one block per list walks the sorted boxes once, OR-ing each kept box's row into a
// shared "removed" mask. No host round trip, so it can sit inside a captured graph.
#include <string>

#include "engine/cuda/caching_allocator.h"
#include "engine/cuda/stream.h"
#include "engine/error.h"
#include "kernels/cuda/library_handles.h"
#include "kernels/cuda/nms.h"
#include "kernels/cuda/vec.cuh"

namespace tailor::kernels::cuda {

namespace {

__device__ __forceinline__ float nms_iou(float4 a, float4 b) {
  const float ya0 = fminf(a.x, a.z), ya1 = fmaxf(a.x, a.z), xa0 = fminf(a.y, a.w),
              xa1 = fmaxf(a.y, a.w);
  const float yb0 = fminf(b.x, b.z), yb1 = fmaxf(b.x, b.z), xb0 = fminf(b.y, b.w),
              xb1 = fmaxf(b.y, b.w);
  const float area_a = (ya1 - ya0) * (xa1 - xa0), area_b = (yb1 - yb0) * (xb1 - xb0);
  if (area_a <= 0.f || area_b <= 0.f) return 0.f;
  const float ih = fmaxf(0.f, fminf(ya1, yb1) - fmaxf(ya0, yb0));
  const float iw = fmaxf(0.f, fminf(xa1, xb1) - fmaxf(xa0, xb0));
  const float inter = ih * iw;
  return inter / (area_a + area_b - inter);
}

// grid (words, row tiles, lists), 64 threads: row i = 64*blockIdx.y + t against the 64 columns
// of word blockIdx.x.
__global__ void nms_mask_kernel(int n, int words, const float4* __restrict__ boxes,
                                float iou_threshold, unsigned long long* __restrict__ mask) {
  __shared__ float4 cols[64];
  const int list = blockIdx.z;
  const float4* b = boxes + int64_t(list) * n;
  const int j0 = blockIdx.x * 64, i = blockIdx.y * 64 + threadIdx.x;
  if (j0 + threadIdx.x < n) cols[threadIdx.x] = b[j0 + threadIdx.x];
  __syncthreads();
  if (i >= n) return;
  const float4 bi = b[i];
  unsigned long long bits = 0;
  for (int k = 0; k < 64 && j0 + k < n; ++k)
    if (j0 + k > i && nms_iou(bi, cols[k]) > iou_threshold) bits |= 1ull << k;
  mask[(int64_t(list) * n + i) * words + blockIdx.x] = bits;
}

// One block per list; the removed mask lives in dynamic shared memory (words 64-bit words).
__global__ void nms_select_kernel(int n, int words, const float* __restrict__ scores,
                                  const unsigned long long* __restrict__ mask,
                                  float score_threshold, int max_output, int* __restrict__ selected,
                                  int* __restrict__ num_selected) {
  extern __shared__ unsigned long long removed[];
  __shared__ int keep;
  const int list = blockIdx.x;
  const float* s = scores + int64_t(list) * n;
  int* out = selected + int64_t(list) * max_output;
  for (int w = threadIdx.x; w < words; w += blockDim.x) removed[w] = 0;
  for (int k = threadIdx.x; k < max_output; k += blockDim.x) out[k] = -1;
  __syncthreads();
  int count = 0;
  for (int i = 0; i < n && count < max_output; ++i) {
    if (threadIdx.x == 0)
      keep = s[i] > score_threshold && !((removed[i / 64] >> (i % 64)) & 1ull) ? 1 : 0;
    __syncthreads();
    if (s[i] <= score_threshold) break;  // sorted: nothing after is a candidate
    if (keep) {
      if (threadIdx.x == 0) out[count] = i;
      const unsigned long long* row = mask + (int64_t(list) * n + i) * words;
      for (int w = threadIdx.x; w < words; w += blockDim.x) removed[w] |= row[w];
      ++count;
    }
    __syncthreads();
  }
  if (threadIdx.x == 0) num_selected[list] = count;
}

}  // namespace

void nms_sorted(int lists, int n, const float* boxes, const float* scores, float iou_threshold,
                float score_threshold, int max_output, int* selected, int* num_selected) {
  if (lists == 0) return;
  cudaStream_t st = tailor::cuda::current_stream();
  const std::string ctx = "nms [" + std::to_string(lists) + "," + std::to_string(n) + "] max " +
                          std::to_string(max_output);
  TAILOR_CHECK(aligned16(boxes), UsageError, ctx, ": boxes must be 16-byte aligned");
  const int words = (n + 63) / 64;
  TAILOR_CHECK(size_t(words) * 8 <= 48 * 1024, ShapeError, ctx, ": at most ", 48 * 1024 * 8,
               " boxes per list");
  tailor::cuda::DeviceBuffer mask(sizeof(unsigned long long) * size_t(lists) * std::max(n, 1) *
                                  std::max(words, 1));
  if (n > 0) {
    nms_mask_kernel<<<dim3(unsigned(words), unsigned(words), unsigned(lists)), 64, 0, st>>>(
        n, words, reinterpret_cast<const float4*>(boxes), iou_threshold,
        mask.as<unsigned long long>());
    TAILOR_CUDA_LAUNCH_CHECK("nms_mask_kernel", ctx);
  }
  nms_select_kernel<<<unsigned(lists), 128, sizeof(unsigned long long) * std::max(words, 1), st>>>(
      n, words, scores, mask.as<unsigned long long>(), score_threshold, max_output, selected,
      num_selected);
  TAILOR_CUDA_LAUNCH_CHECK("nms_select_kernel", ctx);
}

}  // namespace tailor::kernels::cuda
