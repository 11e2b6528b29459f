#include "kernels/cpu/sgemm.h"

#include <algorithm>
#include <vector>

#include "kernels/cpu/simd_dispatch.h"
#include "kernels/cpu/simd_target.h"
#include "kernels/cpu/simd_vec.h"
#include "runtime/error.h"
#include "runtime/thread_pool.h"

namespace tailor::kernels::cpu {

// The plain triple loop, accumulating in double so it is a trustworthy yardstick.
void sgemm_ref(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
               const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
               int64_t ldc) {
  for (int64_t i = 0; i < M; ++i) {
    for (int64_t j = 0; j < N; ++j) {
      double s = 0;
      for (int64_t k = 0; k < K; ++k) {
        const float a = trans_a ? A[k * lda + i] : A[i * lda + k];
        const float b = trans_b ? B[j * ldb + k] : B[k * ldb + j];
        s += double(a) * b;
      }
      float& c = C[i * ldc + j];
      c = static_cast<float>(alpha * s + (beta == 0.f ? 0.0 : double(beta) * c));
    }
  }
}

// Register tiles: AVX-512 12x32 uses 24 of the 32 zmm registers as accumulators (2 FMA pipes x
// 4 cycles latency needs >= 8 independent chains); AVX2 6x16 uses 12 of 16 ymm registers.
// kKC keeps a B micro-panel (kKC x kNR) in L1; kMC x kKC of A sits in L2. A 14-row AVX-512
// tile (28 accumulators) was tried and not kept: faster on some MobileNet shapes (no 1-row
// tail at 19x19 or 5x5), slower on others, no net change (bench/RESULTS.md, 2026-12-06).
namespace simd {

TAILOR_TARGET_AVX512_BEGIN
namespace avx512 {
constexpr int kMR = 12, kNV = 2;
constexpr int64_t kKC = 256, kMC = 192, kNC = 1024;
#include "kernels/cpu/sgemm_body.inc"
}  // namespace avx512
TAILOR_TARGET_END

TAILOR_TARGET_AVX2_BEGIN
namespace avx2 {
constexpr int kMR = 6, kNV = 2;
constexpr int64_t kKC = 256, kMC = 144, kNC = 1024;
#include "kernels/cpu/sgemm_body.inc"
}  // namespace avx2
TAILOR_TARGET_END

namespace scalar {
constexpr int kMR = 4, kNV = 4;
constexpr int64_t kKC = 256, kMC = 64, kNC = 512;
#include "kernels/cpu/sgemm_body.inc"
}  // namespace scalar

}  // namespace simd

namespace {
// One ISA's whole (threaded) product, its serial block loop and its packing of a whole B:
// the same signatures per ISA.
struct GemmFns {
  decltype(&simd::scalar::gemm) whole;
  decltype(&simd::scalar::gemm_block) block;
  decltype(&simd::scalar::prepacked_b_floats) prepacked_floats;
  decltype(&simd::scalar::prepack_b) prepack;
};

GemmFns gemm_fns() {
  return for_simd_level(GemmFns{simd::avx512::gemm, simd::avx512::gemm_block,
                                simd::avx512::prepacked_b_floats, simd::avx512::prepack_b},
                        GemmFns{simd::avx2::gemm, simd::avx2::gemm_block,
                                simd::avx2::prepacked_b_floats, simd::avx2::prepack_b},
                        GemmFns{simd::scalar::gemm, simd::scalar::gemm_block,
                                simd::scalar::prepacked_b_floats, simd::scalar::prepack_b});
}

// C = beta * C, the whole answer when alpha == 0 or K == 0.
void scale_c(int64_t M, int64_t N, float beta, float* C, int64_t ldc) {
  parallel_for(0, M, 64, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i)
      for (int64_t j = 0; j < N; ++j) C[i * ldc + j] = beta == 0.f ? 0.f : beta * C[i * ldc + j];
  });
}
}  // namespace

void sgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
           int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0 || alpha == 0.f) return scale_c(M, N, beta, C, ldc);
  gemm_fns().whole(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, nullptr,
                   nullptr);
}

void sgemm_epilogue(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const float* A,
                    int64_t lda, const float* B, int64_t ldb, float* C, int64_t ldc,
                    const Epilogue& ep) {
  TAILOR_CHECK(K > 0, ShapeError, "sgemm_epilogue: empty inner dimension");
  if (M <= 0 || N <= 0) return;
  gemm_fns().whole(trans_a, trans_b, M, N, K, 1.f, A, lda, B, ldb, 0.f, C, ldc, nullptr, &ep);
}

int64_t sgemm_tile_rows() {
  return for_simd_level<int64_t>(simd::avx512::kMR, simd::avx2::kMR, simd::scalar::kMR);
}

PackedMatrix::PackedMatrix(bool trans_b, int64_t K, int64_t N, const float* B, int64_t ldb)
    : K_(K), N_(N), level_(static_cast<int>(kernel_simd_level())) {
  const GemmFns fns = gemm_fns();
  data_.resize(fns.prepacked_floats(K, N));
  fns.prepack(trans_b, B, ldb, K, N, data_.data());
}

namespace {
void packed_product(bool serial, int64_t M, const float* A, int64_t lda, const PackedMatrix& B,
                    float* C, int64_t ldc, const Epilogue& ep) {
  const int64_t N = B.cols(), K = B.rows();
  if (M <= 0 || N <= 0 || K <= 0) return;
  TAILOR_CHECK(B.level() == static_cast<int>(kernel_simd_level()), ShapeError,
               "sgemm_packed: the matrix was packed for another SIMD level");
  const GemmFns fns = gemm_fns();
  if (serial)
    fns.block(false, false, 0, M, 0, N, K, 1.f, A, lda, nullptr, N, 0.f, C, ldc, B.data(), &ep, N);
  else
    fns.whole(false, false, M, N, K, 1.f, A, lda, nullptr, N, 0.f, C, ldc, B.data(), &ep);
}
}  // namespace

void sgemm_packed(int64_t M, const float* A, int64_t lda, const PackedMatrix& B, float* C,
                  int64_t ldc, const Epilogue& ep) {
  packed_product(false, M, A, lda, B, C, ldc, ep);
}

void sgemm_packed_serial(int64_t M, const float* A, int64_t lda, const PackedMatrix& B, float* C,
                         int64_t ldc, const Epilogue& ep) {
  packed_product(true, M, A, lda, B, C, ldc, ep);
}

}  // namespace tailor::kernels::cpu
