// CUDA side of runtime/device.h and its copy helpers. Copies run on Tailor's
// stream so they are ordered with the kernels; a copy into host memory waits for that stream
// only (never the whole device) before the host reads the bytes.
#include <cuda_runtime_api.h>

#include <cstring>
#include <string>

#include "runtime/cuda/cuda_check.h"
#include "runtime/cuda/stream.h"
#include "runtime/device.h"
#include "runtime/error.h"

namespace tailor {

bool cuda_built() {
  return true;
}

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

void copy_bytes(void* dst, Device dst_device, const void* src, Device src_device, size_t bytes) {
  if (bytes == 0) return;
  if (dst_device.is_cpu() && src_device.is_cpu()) {
    std::memcpy(dst, src, bytes);
    return;
  }
  require_cuda();
  const int device = dst_device.is_cuda() ? dst_device.index : src_device.index;
  cudaStream_t s = cuda::stream(device);
  const std::string what =
      std::to_string(bytes) + " bytes " + src_device.str() + " -> " + dst_device.str();
  TAILOR_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDefault, s), what);
  cuda::count_copy();
  // The host reads its buffer as soon as we return. (From pageable host memory the runtime
  // stages the bytes before cudaMemcpyAsync returns, so uploads need no wait.)
  if (dst_device.is_cpu()) {
    TAILOR_CUDA_CHECK(cudaStreamSynchronize(s), what);
    cuda::count_host_wait();
  }
}

void zero_bytes(void* dst, Device device, size_t bytes) {
  if (bytes == 0) return;
  if (device.is_cpu()) {
    std::memset(dst, 0, bytes);
    return;
  }
  require_cuda();
  TAILOR_CUDA_CHECK(cudaMemsetAsync(dst, 0, bytes, cuda::stream(device.index)),
                    std::to_string(bytes) + " bytes on " + device.str());
  cuda::count_copy();
}

}  // namespace tailor
