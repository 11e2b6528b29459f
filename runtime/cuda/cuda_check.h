#pragma once
// Status checks for CUDA, cuDNN and cuBLAS calls. A failure throws DeviceError naming the call
// and what it was working on, e.g.
//   cudnnConvolutionForward(depthwise [10,150,150,64] k3 s1) failed: CUDNN_STATUS_BAD_PARAM
// The context argument is only evaluated on failure, so building it costs nothing when the
// call succeeds.
#include <cuda_runtime_api.h>

#include <string>

#include "runtime/cuda/work_counts.h"

namespace tailor::cuda {

// "cudnnConvolutionForward(handle, ...)" -> "cudnnConvolutionForward".
std::string call_name(const char* expression);
[[noreturn]] void throw_cuda_error(const char* expression, const std::string& context,
                                   cudaError_t err);
[[noreturn]] void throw_status_error(const char* expression, const std::string& context,
                                     const char* status);

}  // namespace tailor::cuda

#define TAILOR_CUDA_CHECK(call, context)                               \
  do {                                                                 \
    cudaError_t tailor_err_ = (call);                                  \
    if (tailor_err_ != cudaSuccess)                                    \
      ::tailor::cuda::throw_cuda_error(#call, (context), tailor_err_); \
  } while (0)

// After a <<<...>>> launch: configuration errors are reported here, not at the launch.
#define TAILOR_CUDA_LAUNCH_CHECK(kernel_name, context)                           \
  do {                                                                           \
    ::tailor::cuda::count_launch();                                              \
    cudaError_t tailor_err_ = cudaGetLastError();                                \
    if (tailor_err_ != cudaSuccess)                                              \
      ::tailor::cuda::throw_cuda_error(kernel_name "(", (context), tailor_err_); \
  } while (0)
