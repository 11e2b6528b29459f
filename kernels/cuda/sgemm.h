#pragma once
// Single-precision GEMM on the GPU, row-major like kernels/cpu/sgemm.h:
//   C[M,N] = alpha * op(A)[M,K] * op(B)[K,N] + beta * C,   op(X) = X or X^T.
// Device pointers; all work is queued on Tailor's stream. The pointwise (1x1) convolution and
// its two backward passes are this GEMM: y = x*W, dx = dy*W^T, dW = x^T*dy.
#include <cstdint>

#include "kernels/cuda/conv_impl.h"

namespace tailor::kernels::cuda {

// Handwritten: 128x128x8 shared-memory tiles, 8x8 outputs per thread, double-buffered, and
// split-K with a deterministic second pass when M*N is too small to fill the GPU.
// Cublas: cublasSgemm with the row-major operand swap. Auto: the faster, measured once per shape.
// Cudnn is not a GEMM implementation (UsageError).
void sgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
           int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc,
           ConvImpl impl = ConvImpl::Handwritten);

void sgemm_handwritten(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
                       const float* A, int64_t lda, const float* B, int64_t ldb, float beta,
                       float* C, int64_t ldc);
void sgemm_cublas(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
                  const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
                  int64_t ldc);

}  // namespace tailor::kernels::cuda
