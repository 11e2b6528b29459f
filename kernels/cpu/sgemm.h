#pragma once
// Single-precision GEMM on the CPU, row-major:
//   C[M,N] = alpha * op(A)[M,K] * op(B)[K,N] + beta * C
// where op(A) = A or A^T. Tailor's own blocked, packed, vectorized (AVX-512/AVX2 chosen at
// run time) and threaded kernel; sgemm_ref is the plain triple loop it is tested against.
#include <cstdint>

namespace tailor::kernels::cpu {

void sgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
           int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc);

void sgemm_ref(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
               const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
               int64_t ldc);

}  // namespace tailor::kernels::cpu
