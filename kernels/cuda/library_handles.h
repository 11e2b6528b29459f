#pragma once
// cuDNN and cuBLAS handles (one per device, bound to Tailor's stream), their status checks,
// the TF32 switch, and how shapes are named in error messages.
#include <cublas_v2.h>
#include <cudnn.h>

#include <string>

#include "kernels/conv_geometry.h"
#include "runtime/cuda/cuda_check.h"

namespace tailor::kernels::cuda {

cudnnHandle_t cudnn_handle();    // for the current device, on its Tailor stream
cublasHandle_t cublas_handle();  // likewise; math mode follows allow_tf32()

// TF32 tensor-core math for cuBLAS and cuDNN. Off by default: FP32 results match the CPU
// reference; the config turns it on.
void set_allow_tf32(bool on);
bool allow_tf32();

const char* cublas_status_name(cublasStatus_t s);

// "depthwise [10,150,150,64] k3 s1" (input shape, kernel, stride; out channels when dense).
std::string describe(const char* kind, const ConvGeometry& g);
// "[M,N,K] nt" for a GEMM.
std::string describe_gemm(bool trans_a, bool trans_b, long long M, long long N, long long K);

}  // namespace tailor::kernels::cuda

#define TAILOR_CUDNN_CHECK(call, context)                                                    \
  do {                                                                                       \
    cudnnStatus_t tailor_st_ = (call);                                                       \
    if (tailor_st_ != CUDNN_STATUS_SUCCESS)                                                  \
      ::tailor::cuda::throw_status_error(#call, (context), cudnnGetErrorString(tailor_st_)); \
  } while (0)

#define TAILOR_CUBLAS_CHECK(call, context)                                                         \
  do {                                                                                             \
    cublasStatus_t tailor_st_ = (call);                                                            \
    if (tailor_st_ != CUBLAS_STATUS_SUCCESS)                                                       \
      ::tailor::cuda::throw_status_error(#call, (context),                                         \
                                         ::tailor::kernels::cuda::cublas_status_name(tailor_st_)); \
  } while (0)
