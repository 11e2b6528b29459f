#pragma once
// Where a tensor's memory lives.
#include <string>

namespace tailor {

enum class DeviceKind { CPU, CUDA };

struct Device {
  DeviceKind kind = DeviceKind::CPU;
  int index = 0;

  static Device cpu() { return {DeviceKind::CPU, 0}; }
  static Device cuda(int index = 0) { return {DeviceKind::CUDA, index}; }
  bool is_cpu() const { return kind == DeviceKind::CPU; }
  bool is_cuda() const { return kind == DeviceKind::CUDA; }
  bool operator==(const Device& o) const { return kind == o.kind && index == o.index; }
  bool operator!=(const Device& o) const { return !(*this == o); }
  std::string str() const;
};

// Parses "cpu", "cuda" or "cuda:N"; throws UserError otherwise.
Device parse_device(const std::string& s);

// True when this binary was built with CUDA.
bool cuda_built();
// True when CUDA is built and a device is usable. `reason` says why not.
bool cuda_available(std::string* reason = nullptr);
// Throws DeviceError("no CUDA device: <reason>") unless cuda_available().
void require_cuda();

// Copies bytes between any two devices, and zeroes device bytes (runtime/cuda/device_cuda.cpp
// provides the CUDA side).
void copy_bytes(void* dst, Device dst_device, const void* src, Device src_device, size_t bytes);
void zero_bytes(void* dst, Device device, size_t bytes);

}  // namespace tailor
