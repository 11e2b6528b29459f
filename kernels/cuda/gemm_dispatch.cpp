// cuBLAS SGEMM and the implementation selector for kernels/cuda/sgemm.h.
#include <string>

#include "kernels/cuda/autotune.h"
#include "kernels/cuda/library_handles.h"
#include "kernels/cuda/sgemm.h"
#include "runtime/cuda/work_counts.h"

namespace tailor::kernels::cuda {

void sgemm_cublas(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
                  const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
                  int64_t ldc) {
  if (M == 0 || N == 0) return;
  // Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T: swap the operands.
  tailor::cuda::count_library_call();
  TAILOR_CUBLAS_CHECK(cublasSgemm(cublas_handle(), trans_b ? CUBLAS_OP_T : CUBLAS_OP_N,
                                  trans_a ? CUBLAS_OP_T : CUBLAS_OP_N, int(N), int(M), int(K),
                                  &alpha, B, int(ldb), A, int(lda), &beta, C, int(ldc)),
                      describe_gemm(trans_a, trans_b, M, N, K));
}

void sgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
           int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc,
           ConvImpl impl) {
  switch (impl) {
    case ConvImpl::Handwritten:
      return sgemm_handwritten(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    case ConvImpl::Cublas:
      return sgemm_cublas(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    case ConvImpl::Cudnn:
      throw UsageError("sgemm " + describe_gemm(trans_a, trans_b, M, N, K) +
                       ": cudnn is not a GEMM implementation (use handwritten, cublas or auto)");
    case ConvImpl::Auto:
      break;
  }
  // With beta != 0 each run accumulates into C, so timed repeats would corrupt it: such calls
  // reuse a choice measured on the same shape with beta 0, else take the handwritten kernel.
  const std::string key = "sgemm " + describe_gemm(trans_a, trans_b, M, N, K);
  if (beta != 0.f) {
    ConvImpl known = cached_choice(key);
    if (known == ConvImpl::Cublas)
      return sgemm_cublas(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    return sgemm_handwritten(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
  }
  run_fastest(
      key,
      {{ConvImpl::Handwritten,
        [&] { sgemm_handwritten(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc); }},
       {ConvImpl::Cublas,
        [&] { sgemm_cublas(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc); }}});
}

}  // namespace tailor::kernels::cuda
