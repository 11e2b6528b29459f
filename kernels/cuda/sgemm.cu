// Tailor's FP32 GEMM. Each 256-thread block computes a 128x128 tile of C, walking K in steps of
// 8: the next A and B slices are fetched into registers while the current ones, in shared
// memory, feed 8x8 register accumulators per thread (each thread owns rows {4ty..4ty+3,
// 64+4ty..} and columns {4tx.., 64+4tx..} so its shared-memory reads are conflict-free float4s).
#include <algorithm>

#include "kernels/cuda/launch_util.h"
#include "kernels/cuda/library_handles.h"
#include "kernels/cuda/sgemm.h"
#include "runtime/cuda/caching_allocator.h"
#include "runtime/cuda/stream.h"

namespace tailor::kernels::cuda {

namespace {

constexpr int kTile = 128;
constexpr int kTileK = 8;
constexpr int kThreads = 256;

// Loads this thread's 4 elements of the A tile (op(A) rows m0.., k k0..) into registers.
template <bool TA>
__device__ __forceinline__ void load_a(const float* __restrict__ A, int64_t lda, int M, int K,
                                       int m0, int k0, float (&r)[4]) {
  const int t = threadIdx.x;
  if (!TA) {  // A[m][k]: 128 rows x 8 k, each thread 4 consecutive k of one row
    const int m = m0 + t / 2, k = k0 + (t % 2) * 4;
#pragma unroll
    for (int i = 0; i < 4; ++i)
      r[i] = (m < M && k + i < K) ? __ldg(A + int64_t(m) * lda + k + i) : 0.f;
  } else {  // A stored [K][M]: each thread 4 consecutive m of one k
    const int k = k0 + t / 32, m = m0 + (t % 32) * 4;
#pragma unroll
    for (int i = 0; i < 4; ++i)
      r[i] = (k < K && m + i < M) ? __ldg(A + int64_t(k) * lda + m + i) : 0.f;
  }
}

template <bool TA>
__device__ __forceinline__ void store_a(float (*As)[kTile], const float (&r)[4]) {
  const int t = threadIdx.x;
  if (!TA) {
    const int m = t / 2, k = (t % 2) * 4;
#pragma unroll
    for (int i = 0; i < 4; ++i) As[k + i][m] = r[i];
  } else {
    const int k = t / 32, m = (t % 32) * 4;
#pragma unroll
    for (int i = 0; i < 4; ++i) As[k][m + i] = r[i];
  }
}

template <bool TB>
__device__ __forceinline__ void load_b(const float* __restrict__ B, int64_t ldb, int N, int K,
                                       int n0, int k0, float (&r)[4]) {
  const int t = threadIdx.x;
  if (!TB) {  // B[k][n]: each thread 4 consecutive n of one k
    const int k = k0 + t / 32, n = n0 + (t % 32) * 4;
#pragma unroll
    for (int i = 0; i < 4; ++i)
      r[i] = (k < K && n + i < N) ? __ldg(B + int64_t(k) * ldb + n + i) : 0.f;
  } else {  // B stored [N][K]: each thread 4 consecutive k of one n
    const int n = n0 + t / 2, k = k0 + (t % 2) * 4;
#pragma unroll
    for (int i = 0; i < 4; ++i)
      r[i] = (n < N && k + i < K) ? __ldg(B + int64_t(n) * ldb + k + i) : 0.f;
  }
}

template <bool TB>
__device__ __forceinline__ void store_b(float (*Bs)[kTile], const float (&r)[4]) {
  const int t = threadIdx.x;
  if (!TB) {
    const int k = t / 32, n = (t % 32) * 4;
#pragma unroll
    for (int i = 0; i < 4; ++i) Bs[k][n + i] = r[i];
  } else {
    const int n = t / 2, k = (t % 2) * 4;
#pragma unroll
    for (int i = 0; i < 4; ++i) Bs[k + i][n] = r[i];
  }
}

// blockIdx.z is the K slice when split; a split launch writes raw products to `partial`
// ([splits][M][N]) and a second pass applies alpha/beta.
template <bool TA, bool TB>
__global__ void __launch_bounds__(kThreads)
    sgemm_kernel(int M, int N, int K, int k_per_split, float alpha, const float* __restrict__ A,
                 int64_t lda, const float* __restrict__ B, int64_t ldb, float beta,
                 float* __restrict__ C, int64_t ldc, float* __restrict__ partial) {
  __shared__ __align__(16) float As[2][kTileK][kTile];
  __shared__ __align__(16) float Bs[2][kTileK][kTile];

  const int m0 = blockIdx.y * kTile, n0 = blockIdx.x * kTile;
  const int k_begin = blockIdx.z * k_per_split;
  const int k_end = min(K, k_begin + k_per_split);
  const int tx = threadIdx.x % 16, ty = threadIdx.x / 16;

  float acc[8][8];
#pragma unroll
  for (int i = 0; i < 8; ++i)
#pragma unroll
    for (int j = 0; j < 8; ++j) acc[i][j] = 0.f;

  float ra[4], rb[4];
  load_a<TA>(A, lda, M, k_end, m0, k_begin, ra);
  load_b<TB>(B, ldb, N, k_end, n0, k_begin, rb);
  store_a<TA>(As[0], ra);
  store_b<TB>(Bs[0], rb);
  __syncthreads();

  int buf = 0;
  for (int k0 = k_begin; k0 < k_end; k0 += kTileK) {
    const bool more = k0 + kTileK < k_end;
    if (more) {
      load_a<TA>(A, lda, M, k_end, m0, k0 + kTileK, ra);
      load_b<TB>(B, ldb, N, k_end, n0, k0 + kTileK, rb);
    }
#pragma unroll
    for (int k = 0; k < kTileK; ++k) {
      float a[8], b[8];
      *reinterpret_cast<float4*>(a) = *reinterpret_cast<const float4*>(&As[buf][k][ty * 4]);
      *reinterpret_cast<float4*>(a + 4) =
          *reinterpret_cast<const float4*>(&As[buf][k][64 + ty * 4]);
      *reinterpret_cast<float4*>(b) = *reinterpret_cast<const float4*>(&Bs[buf][k][tx * 4]);
      *reinterpret_cast<float4*>(b + 4) =
          *reinterpret_cast<const float4*>(&Bs[buf][k][64 + tx * 4]);
#pragma unroll
      for (int i = 0; i < 8; ++i)
#pragma unroll
        for (int j = 0; j < 8; ++j) acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
    }
    if (more) {
      store_a<TA>(As[buf ^ 1], ra);
      store_b<TB>(Bs[buf ^ 1], rb);
    }
    __syncthreads();
    buf ^= 1;
  }

#pragma unroll
  for (int i = 0; i < 8; ++i) {
    const int m = m0 + (i < 4 ? ty * 4 + i : 64 + ty * 4 + i - 4);
    if (m >= M) continue;
#pragma unroll
    for (int j = 0; j < 8; ++j) {
      const int n = n0 + (j < 4 ? tx * 4 + j : 64 + tx * 4 + j - 4);
      if (n >= N) continue;
      if (partial) {
        partial[(int64_t(blockIdx.z) * M + m) * N + n] = acc[i][j];
      } else {
        float* c = C + int64_t(m) * ldc + n;
        *c = beta == 0.f ? alpha * acc[i][j] : alpha * acc[i][j] + beta * *c;
      }
    }
  }
}

// Sums the K slices in a fixed order (deterministic) and applies alpha/beta.
__global__ void splitk_reduce_kernel(int M, int N, int splits, float alpha,
                                     const float* __restrict__ partial, float beta,
                                     float* __restrict__ C, int64_t ldc) {
  const int64_t total = int64_t(M) * N;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total;
       i += int64_t(gridDim.x) * blockDim.x) {
    float s = 0.f;
    for (int z = 0; z < splits; ++z) s += partial[z * total + i];
    const int64_t m = i / N, n = i % N;
    float* c = C + m * ldc + n;
    *c = beta == 0.f ? alpha * s : alpha * s + beta * *c;
  }
}

template <bool TA, bool TB>
void launch(int M, int N, int K, float alpha, const float* A, int64_t lda, const float* B,
            int64_t ldb, float beta, float* C, int64_t ldc, const std::string& what) {
  cudaStream_t s = tailor::cuda::current_stream();
  const int gx = (N + kTile - 1) / kTile, gy = (M + kTile - 1) / kTile;
  // Split K when the output tiles cannot fill two waves of the GPU and K is long enough that
  // each slice still amortizes its tile loads (>= 256 of K per slice).
  int splits = 1;
  const int tiles = gx * gy, target = 2 * sm_count();
  if (tiles < target && K >= 512) splits = std::min({(target + tiles - 1) / tiles, K / 256, 64});
  if (splits <= 1) {
    sgemm_kernel<TA, TB><<<dim3(gx, gy, 1), kThreads, 0, s>>>(M, N, K, K, alpha, A, lda, B, ldb,
                                                              beta, C, ldc, nullptr);
    TAILOR_CUDA_LAUNCH_CHECK("sgemm_kernel", what);
    return;
  }
  int k_per_split = (K + splits - 1) / splits;
  k_per_split = (k_per_split + kTileK - 1) / kTileK * kTileK;
  splits = (K + k_per_split - 1) / k_per_split;
  tailor::cuda::DeviceBuffer partial(sizeof(float) * size_t(splits) * M * N);
  sgemm_kernel<TA, TB><<<dim3(gx, gy, splits), kThreads, 0, s>>>(
      M, N, K, k_per_split, alpha, A, lda, B, ldb, beta, C, ldc, partial.as<float>());
  TAILOR_CUDA_LAUNCH_CHECK("sgemm_kernel", what + " split-K " + std::to_string(splits));
  const int64_t total = int64_t(M) * N;
  const int blocks = int(std::min<int64_t>((total + 255) / 256, 8 * sm_count()));
  splitk_reduce_kernel<<<blocks, 256, 0, s>>>(M, N, splits, alpha, partial.as<float>(), beta, C,
                                              ldc);
  TAILOR_CUDA_LAUNCH_CHECK("splitk_reduce_kernel", what);
}

}  // namespace

void sgemm_handwritten(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
                       const float* A, int64_t lda, const float* B, int64_t ldb, float beta,
                       float* C, int64_t ldc) {
  if (M == 0 || N == 0) return;
  const std::string what = describe_gemm(trans_a, trans_b, M, N, K);
  TAILOR_CHECK(M < (int64_t(1) << 31) && N < (int64_t(1) << 31) && K < (int64_t(1) << 31),
               ShapeError, "sgemm ", what, ": dimensions must fit in 32 bits");
  if (trans_a) {
    if (trans_b)
      launch<true, true>(int(M), int(N), int(K), alpha, A, lda, B, ldb, beta, C, ldc, what);
    else
      launch<true, false>(int(M), int(N), int(K), alpha, A, lda, B, ldb, beta, C, ldc, what);
  } else {
    if (trans_b)
      launch<false, true>(int(M), int(N), int(K), alpha, A, lda, B, ldb, beta, C, ldc, what);
    else
      launch<false, false>(int(M), int(N), int(K), alpha, A, lda, B, ldb, beta, C, ldc, what);
  }
}

}  // namespace tailor::kernels::cuda
