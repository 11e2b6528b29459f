#pragma once
// Single-precision GEMM on the CPU, row-major:
//   C[M,N] = alpha * op(A)[M,K] * op(B)[K,N] + beta * C
// where op(A) = A or A^T. Tailor's own blocked, packed, vectorized (AVX-512/AVX2 chosen at
// run time) and threaded kernel; sgemm_ref is the plain triple loop it is tested against.
#include <cstdint>
#include <vector>

#include "kernels/cpu/epilogue.h"
#include "runtime/aligned_vector.h"

namespace tailor::kernels::cpu {

void sgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
           int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc);

// C[M, N] = op(A) * op(B) (alpha 1, beta 0), then the epilogue per column, stored once: a
// training-graph convolution whose fixed batch norm and ReLU6 ride on its stores
// (engine/ops/conv_batch_norm.h).
void sgemm_epilogue(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const float* A,
                    int64_t lda, const float* B, int64_t ldb, float* C, int64_t ldc,
                    const Epilogue& ep);

// A right-hand side packed once for many products (inference weights): op(B) [K, N] laid out
// the way the kernel reads it, for the SIMD level in use when it was packed.
class PackedMatrix {
 public:
  PackedMatrix() = default;
  PackedMatrix(bool trans_b, int64_t K, int64_t N, const float* B, int64_t ldb);
  int64_t rows() const { return K_; }
  int64_t cols() const { return N_; }
  const float* data() const { return data_.data(); }
  int level() const { return level_; }

 private:
  int64_t K_ = 0, N_ = 0;
  int level_ = -1;
  AlignedVector<float> data_;  // whole vectors per panel row: keep them on one cache line
};

// C[M, N] = A[M, K] * B (beta 0), then the epilogue per column, stored once: the inference
// path's convolutions as GEMMs.
void sgemm_packed(int64_t M, const float* A, int64_t lda, const PackedMatrix& B, float* C,
                  int64_t ldc, const Epilogue& ep = {});

// The same on the calling thread only, for a caller that is already parallel (over row bands).
void sgemm_packed_serial(int64_t M, const float* A, int64_t lda, const PackedMatrix& B, float* C,
                         int64_t ldc, const Epilogue& ep = {});

// Rows of the register tile at the SIMD level in use: a caller that cuts M into bands (a
// serial product per band) keeps them multiples of it, so that no band ends in a short tile.
int64_t sgemm_tile_rows();

void sgemm_ref(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
               const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
               int64_t ldc);

}  // namespace tailor::kernels::cpu
