#include "runtime/device.h"

#include <cstring>

#include "runtime/error.h"

namespace tailor {

std::string Device::str() const {
  return is_cpu() ? std::string("cpu") : "cuda:" + std::to_string(index);
}

Device parse_device(const std::string& s) {
  if (s == "cpu") return Device::cpu();
  if (s == "cuda") return Device::cuda(0);
  if (s.rfind("cuda:", 0) == 0) {
    try {
      return Device::cuda(std::stoi(s.substr(5)));
    } catch (const std::exception&) {
    }
  }
  throw UserError("unknown device '" + s + "' (expected cpu, cuda or cuda:N)");
}

void require_cuda() {
  std::string reason;
  if (!cuda_available(&reason)) throw DeviceError("no CUDA device: " + reason);
}

#ifndef TAILOR_WITH_CUDA
bool cuda_built() {
  return false;
}
bool cuda_available(std::string* reason) {
  if (reason) *reason = "this binary was built without CUDA (-DTAILOR_CUDA=OFF or no nvcc)";
  return false;
}
void copy_bytes(void* dst, Device dst_device, const void* src, Device src_device, size_t bytes) {
  if (!dst_device.is_cpu() || !src_device.is_cpu()) require_cuda();
  if (bytes) std::memcpy(dst, src, bytes);
}
void zero_bytes(void* dst, Device device, size_t bytes) {
  if (!device.is_cpu()) require_cuda();
  if (bytes) std::memset(dst, 0, bytes);
}
#endif

}  // namespace tailor
