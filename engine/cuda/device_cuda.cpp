// CUDA side of engine/device.h and engine/tensor.h's copy helpers.
#include <cuda_runtime_api.h>

#include <cstring>

#include "engine/device.h"
#include "engine/error.h"
#include "engine/tensor.h"

namespace tailor {

bool cuda_built() { return true; }

bool cuda_available(std::string* reason) {
  static std::string why;
  static const bool ok = [] {
    int count = 0;
    cudaError_t err = cudaGetDeviceCount(&count);
    if (err != cudaSuccess) {
      why = std::string(cudaGetErrorName(err)) + ": " + cudaGetErrorString(err);
      cudaGetLastError();  // clear the sticky error so later calls are not poisoned
      return false;
    }
    if (count == 0) {
      why = "cudaGetDeviceCount found 0 devices";
      return false;
    }
    return true;
  }();
  if (reason) *reason = why;
  return ok;
}

static void check(cudaError_t err, const char* call, size_t bytes) {
  TAILOR_CHECK(err == cudaSuccess, DeviceError, call, " of ", bytes, " bytes failed: ",
               cudaGetErrorName(err), ": ", cudaGetErrorString(err));
}

void copy_bytes(void* dst, Device dst_device, const void* src, Device src_device, size_t bytes) {
  if (bytes == 0) return;
  if (dst_device.is_cpu() && src_device.is_cpu()) {
    std::memcpy(dst, src, bytes);
    return;
  }
  require_cuda();
  // Default-stream copies keep ordering with the kernels on Tailor's stream (legacy stream).
  check(cudaMemcpy(dst, src, bytes, cudaMemcpyDefault), "cudaMemcpy", bytes);
}

void zero_bytes(void* dst, Device device, size_t bytes) {
  if (bytes == 0) return;
  if (device.is_cpu()) {
    std::memset(dst, 0, bytes);
    return;
  }
  require_cuda();
  check(cudaMemset(dst, 0, bytes), "cudaMemset", bytes);
}

}  // namespace tailor
