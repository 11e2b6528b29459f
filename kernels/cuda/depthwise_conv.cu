// Tailor's depthwise 3x3 kernels. One block covers an 8x8 tile of positions for a 32-channel
// slab of one image: the input (or dy) patch the tile needs is staged once in shared memory,
// channels fastest so that global loads and shared reads are coalesced float4s, and each thread
// keeps its channel's 9 weights in registers.
#include <string>

#include "kernels/cuda/depthwise_conv.h"
#include "kernels/cuda/launch_util.h"
#include "kernels/cuda/library_handles.h"
#include "kernels/cuda/vec.cuh"
#include "runtime/cuda/caching_allocator.h"
#include "runtime/cuda/stream.h"
#include "runtime/error.h"

namespace tailor::kernels::cuda {

namespace {

constexpr int kK = 3;
constexpr int kTH = 8, kTW = 8;
constexpr int kThreads = 256;
constexpr int kSlabChannels = 32;

struct Dims {
  int n, h, w, cv;  // cv: channels in vectors
  int oh, ow, stride, pad_top, pad_left;
};

__device__ __forceinline__ int floor_div(int a, int b) {
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

template <typename V, int S>
__global__ void __launch_bounds__(kThreads)
    dw_forward_kernel(Dims d, const V* __restrict__ x, const V* __restrict__ w, V* __restrict__ y) {
  constexpr int CV = kSlabChannels / vwidth<V>();
  constexpr int PL = kThreads / CV;
  constexpr int PH = (kTH - 1) * S + kK, PW = (kTW - 1) * S + kK;
  __shared__ V patch[PH * PW * CV];

  const int tiles_w = (d.ow + kTW - 1) / kTW;
  const int oh0 = (blockIdx.x / tiles_w) * kTH, ow0 = (blockIdx.x % tiles_w) * kTW;
  const int c0 = blockIdx.y * CV, n = blockIdx.z;
  const int ih0 = oh0 * S - d.pad_top, iw0 = ow0 * S - d.pad_left;
  const int64_t image = int64_t(n) * d.h * d.w;

  for (int i = threadIdx.x; i < PH * PW * CV; i += kThreads) {
    const int v = i % CV, p = i / CV;
    const int ih = ih0 + p / PW, iw = iw0 + p % PW, c = c0 + v;
    V val = vzero<V>();
    if (c < d.cv && ih >= 0 && ih < d.h && iw >= 0 && iw < d.w)
      val = __ldg(x + (image + int64_t(ih) * d.w + iw) * d.cv + c);
    patch[i] = val;
  }
  const int v = threadIdx.x % CV, c = c0 + v;
  V wr[kK * kK];
#pragma unroll
  for (int t = 0; t < kK * kK; ++t)
    wr[t] = c < d.cv ? __ldg(w + int64_t(t) * d.cv + c) : vzero<V>();
  __syncthreads();
  if (c >= d.cv) return;

  for (int pix = threadIdx.x / CV; pix < kTH * kTW; pix += PL) {
    const int ty = pix / kTW, tx = pix % kTW;
    const int oh = oh0 + ty, ow = ow0 + tx;
    if (oh >= d.oh || ow >= d.ow) continue;
    V acc = vzero<V>();
#pragma unroll
    for (int i = 0; i < kK; ++i)
#pragma unroll
      for (int j = 0; j < kK; ++j)
        acc = fma4(patch[((ty * S + i) * PW + tx * S + j) * CV + v], wr[i * kK + j], acc);
    y[((int64_t(n) * d.oh + oh) * d.ow + ow) * d.cv + c] = acc;
  }
}

// dx[ih,iw] = sum over taps (i,j) with oh = (ih + pad_top - i) / S integral: dy[oh,ow] * w[i,j].
template <typename V, int S>
__global__ void __launch_bounds__(kThreads)
    dw_backward_input_kernel(Dims d, const V* __restrict__ dy, const V* __restrict__ w,
                             V* __restrict__ dx) {
  constexpr int CV = kSlabChannels / vwidth<V>();
  constexpr int PL = kThreads / CV;
  constexpr int PH = (kTH + 1) / S + 2, PW = (kTW + 1) / S + 2;
  __shared__ V patch[PH * PW * CV];

  const int tiles_w = (d.w + kTW - 1) / kTW;
  const int ih0 = (blockIdx.x / tiles_w) * kTH, iw0 = (blockIdx.x % tiles_w) * kTW;
  const int c0 = blockIdx.y * CV, n = blockIdx.z;
  const int oh_lo = floor_div(ih0 + d.pad_top - (kK - 1), S);
  const int ow_lo = floor_div(iw0 + d.pad_left - (kK - 1), S);
  const int64_t image = int64_t(n) * d.oh * d.ow;

  for (int i = threadIdx.x; i < PH * PW * CV; i += kThreads) {
    const int v = i % CV, p = i / CV;
    const int oh = oh_lo + p / PW, ow = ow_lo + p % PW, c = c0 + v;
    V val = vzero<V>();
    if (c < d.cv && oh >= 0 && oh < d.oh && ow >= 0 && ow < d.ow)
      val = __ldg(dy + (image + int64_t(oh) * d.ow + ow) * d.cv + c);
    patch[i] = val;
  }
  const int v = threadIdx.x % CV, c = c0 + v;
  V wr[kK * kK];
#pragma unroll
  for (int t = 0; t < kK * kK; ++t)
    wr[t] = c < d.cv ? __ldg(w + int64_t(t) * d.cv + c) : vzero<V>();
  __syncthreads();
  if (c >= d.cv) return;

  for (int pix = threadIdx.x / CV; pix < kTH * kTW; pix += PL) {
    const int ih = ih0 + pix / kTW, iw = iw0 + pix % kTW;
    if (ih >= d.h || iw >= d.w) continue;
    V acc = vzero<V>();
#pragma unroll
    for (int i = 0; i < kK; ++i) {
      const int rh = ih + d.pad_top - i;  // = oh * S when this tap contributes
      if (S > 1 && (rh % S + S) % S != 0) continue;
      const int ph = floor_div(rh, S) - oh_lo;
#pragma unroll
      for (int j = 0; j < kK; ++j) {
        const int rw = iw + d.pad_left - j;
        if (S > 1 && (rw % S + S) % S != 0) continue;
        const int pw = floor_div(rw, S) - ow_lo;
        acc = fma4(patch[(ph * PW + pw) * CV + v], wr[i * kK + j], acc);
      }
    }
    dx[((int64_t(n) * d.h + ih) * d.w + iw) * d.cv + c] = acc;
  }
}

// First level of dw: each block sums dy * x over a chunk of output pixels for a channel slab
// and writes partial[chunk][tap][c].
template <typename V>
__global__ void __launch_bounds__(kThreads)
    dw_backward_filter_partial_kernel(Dims d, const V* __restrict__ x, const V* __restrict__ dy,
                                      int64_t pixels_per_chunk, V* __restrict__ partial) {
  constexpr int CV = kSlabChannels / vwidth<V>();
  constexpr int PL = kThreads / CV;
  __shared__ V red[kK * kK][kThreads];

  const int v = threadIdx.x % CV, lane = threadIdx.x / CV;
  const int c = blockIdx.y * CV + v;
  const int64_t total = int64_t(d.n) * d.oh * d.ow;
  const int64_t begin = blockIdx.x * pixels_per_chunk;
  const int64_t end = min(total, begin + pixels_per_chunk);

  V acc[kK * kK];
#pragma unroll
  for (int t = 0; t < kK * kK; ++t) acc[t] = vzero<V>();
  if (c < d.cv) {
    for (int64_t p = begin + lane; p < end; p += PL) {
      const int ow = int(p % d.ow);
      const int64_t q = p / d.ow;
      const int oh = int(q % d.oh), n = int(q / d.oh);
      const V g = __ldg(dy + p * d.cv + c);
      const int ih0 = oh * d.stride - d.pad_top, iw0 = ow * d.stride - d.pad_left;
      const int64_t image = int64_t(n) * d.h;
#pragma unroll
      for (int i = 0; i < kK; ++i) {
        const int ih = ih0 + i;
        if (ih < 0 || ih >= d.h) continue;
#pragma unroll
        for (int j = 0; j < kK; ++j) {
          const int iw = iw0 + j;
          if (iw < 0 || iw >= d.w) continue;
          acc[i * kK + j] =
              fma4(__ldg(x + ((image + ih) * d.w + iw) * d.cv + c), g, acc[i * kK + j]);
        }
      }
    }
  }
#pragma unroll
  for (int t = 0; t < kK * kK; ++t) red[t][threadIdx.x] = acc[t];
  __syncthreads();
  // Second half of the first level: 9*CV threads each sum one (tap, channel) over the lanes.
  for (int o = threadIdx.x; o < kK * kK * CV; o += kThreads) {
    const int t = o / CV, ov = o % CV, oc = blockIdx.y * CV + ov;
    if (oc >= d.cv) continue;
    V s = vzero<V>();
    for (int l = 0; l < PL; ++l) s = s + red[t][l * CV + ov];
    partial[(int64_t(blockIdx.x) * kK * kK + t) * d.cv + oc] = s;
  }
}

// Second level: dw[tap][c] = sum over chunks, in chunk order (deterministic).
__global__ void dw_backward_filter_reduce_kernel(int chunks, int64_t per_chunk,
                                                 const float* __restrict__ partial,
                                                 float* __restrict__ dw) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < per_chunk;
       i += int64_t(gridDim.x) * blockDim.x) {
    float s = 0.f;
    for (int k = 0; k < chunks; ++k) s += partial[k * per_chunk + i];
    dw[i] = s;
  }
}

bool use_float4(const ConvGeometry& g, const void* a, const void* b, const void* c) {
  return g.in_c % 4 == 0 && aligned16(a) && aligned16(b) && aligned16(c);
}

Dims dims(const ConvGeometry& g, int width) {
  return {int(g.batch), int(g.in_h),   int(g.in_w),    int(g.in_c / width), int(g.out_h),
          int(g.out_w), int(g.stride), int(g.pad_top), int(g.pad_left)};
}

void check_supported(const ConvGeometry& g, const char* what) {
  TAILOR_CHECK(depthwise_handwritten_supports(g), ShapeError, "handwritten ", describe(what, g),
               ": only 3x3 kernels with stride 1 or 2 (use conv_impl cudnn for others)");
}

template <typename V>
void forward_as(const ConvGeometry& g, const float* x, const float* w, float* y,
                const std::string& what) {
  const Dims d = dims(g, vwidth<V>());
  constexpr int CV = kSlabChannels / vwidth<V>();
  const dim3 grid(unsigned(((g.out_h + kTH - 1) / kTH) * ((g.out_w + kTW - 1) / kTW)),
                  unsigned((d.cv + CV - 1) / CV), unsigned(g.batch));
  cudaStream_t s = tailor::cuda::current_stream();
  auto xv = reinterpret_cast<const V*>(x);
  auto wv = reinterpret_cast<const V*>(w);
  auto yv = reinterpret_cast<V*>(y);
  if (g.stride == 1)
    dw_forward_kernel<V, 1><<<grid, kThreads, 0, s>>>(d, xv, wv, yv);
  else
    dw_forward_kernel<V, 2><<<grid, kThreads, 0, s>>>(d, xv, wv, yv);
  TAILOR_CUDA_LAUNCH_CHECK("dw_forward_kernel", what);
}

template <typename V>
void backward_input_as(const ConvGeometry& g, const float* dy, const float* w, float* dx,
                       const std::string& what) {
  const Dims d = dims(g, vwidth<V>());
  constexpr int CV = kSlabChannels / vwidth<V>();
  const dim3 grid(unsigned(((g.in_h + kTH - 1) / kTH) * ((g.in_w + kTW - 1) / kTW)),
                  unsigned((d.cv + CV - 1) / CV), unsigned(g.batch));
  cudaStream_t s = tailor::cuda::current_stream();
  auto dyv = reinterpret_cast<const V*>(dy);
  auto wv = reinterpret_cast<const V*>(w);
  auto dxv = reinterpret_cast<V*>(dx);
  if (g.stride == 1)
    dw_backward_input_kernel<V, 1><<<grid, kThreads, 0, s>>>(d, dyv, wv, dxv);
  else
    dw_backward_input_kernel<V, 2><<<grid, kThreads, 0, s>>>(d, dyv, wv, dxv);
  TAILOR_CUDA_LAUNCH_CHECK("dw_backward_input_kernel", what);
}

template <typename V>
void backward_filter_as(const ConvGeometry& g, const float* x, const float* dy, float* dw,
                        const std::string& what) {
  const Dims d = dims(g, vwidth<V>());
  constexpr int CV = kSlabChannels / vwidth<V>();
  constexpr int PL = kThreads / CV;
  const int slabs = (d.cv + CV - 1) / CV;
  const int64_t pixels = g.batch * g.out_h * g.out_w;
  // About four blocks per SM in all, each with at least a few pixels per lane.
  int64_t chunks = std::max<int64_t>(1, 4 * sm_count() / slabs);
  chunks = std::min<int64_t>(chunks, std::max<int64_t>(1, pixels / (4 * PL)));
  const int64_t per_chunk = (pixels + chunks - 1) / chunks;
  chunks = (pixels + per_chunk - 1) / per_chunk;
  const int64_t taps = kK * kK * g.in_c;
  tailor::cuda::DeviceBuffer partial(sizeof(float) * size_t(chunks * taps));
  cudaStream_t s = tailor::cuda::current_stream();
  dw_backward_filter_partial_kernel<V><<<dim3(unsigned(chunks), unsigned(slabs)), kThreads, 0, s>>>(
      d, reinterpret_cast<const V*>(x), reinterpret_cast<const V*>(dy), per_chunk, partial.as<V>());
  TAILOR_CUDA_LAUNCH_CHECK("dw_backward_filter_partial_kernel", what);
  dw_backward_filter_reduce_kernel<<<grid_for(taps), 256, 0, s>>>(int(chunks), taps,
                                                                  partial.as<float>(), dw);
  TAILOR_CUDA_LAUNCH_CHECK("dw_backward_filter_reduce_kernel", what);
}

}  // namespace

bool depthwise_handwritten_supports(const ConvGeometry& g) {
  return g.kernel_h == kK && g.kernel_w == kK && (g.stride == 1 || g.stride == 2) &&
         g.out_c == g.in_c && g.batch <= 65535;
}

void depthwise_conv2d_forward_handwritten(const ConvGeometry& g, const float* x, const float* w,
                                          float* y) {
  check_supported(g, "depthwise forward");
  if (g.output_numel() == 0) return;
  const std::string what = describe("depthwise forward", g);
  if (use_float4(g, x, w, y))
    forward_as<float4>(g, x, w, y, what);
  else
    forward_as<float>(g, x, w, y, what);
}

void depthwise_conv2d_backward_input_handwritten(const ConvGeometry& g, const float* dy,
                                                 const float* w, float* dx) {
  check_supported(g, "depthwise backward-data");
  if (g.input_numel() == 0) return;
  const std::string what = describe("depthwise backward-data", g);
  if (g.output_numel() == 0) {
    TAILOR_CUDA_CHECK(
        cudaMemsetAsync(dx, 0, sizeof(float) * g.input_numel(), tailor::cuda::current_stream()),
        what);
    return;
  }
  if (use_float4(g, dy, w, dx))
    backward_input_as<float4>(g, dy, w, dx, what);
  else
    backward_input_as<float>(g, dy, w, dx, what);
}

void depthwise_conv2d_backward_filter_handwritten(const ConvGeometry& g, const float* x,
                                                  const float* dy, float* dw) {
  check_supported(g, "depthwise backward-filter");
  const std::string what = describe("depthwise backward-filter", g);
  if (g.output_numel() == 0 || g.input_numel() == 0) {
    TAILOR_CUDA_CHECK(
        cudaMemsetAsync(dw, 0, sizeof(float) * kK * kK * g.in_c, tailor::cuda::current_stream()),
        what);
    return;
  }
  if (use_float4(g, x, dy, dw))
    backward_filter_as<float4>(g, x, dy, dw, what);
  else
    backward_filter_as<float>(g, x, dy, dw, what);
}

}  // namespace tailor::kernels::cuda
