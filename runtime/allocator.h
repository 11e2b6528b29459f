#pragma once
// Memory for tensors. The CPU allocator hands out 64-byte-aligned blocks so AVX-512 loads of a
// row start on a cache line, and parks freed blocks of 64 KiB and more (up to 2 GiB in all) for
// reuse, see runtime/cpu_block_cache.h. The CUDA allocator (runtime/cuda/caching_allocator) is
// stream-ordered and caches freed blocks for reuse.
#include <atomic>
#include <cstddef>

#include "runtime/device.h"

namespace tailor {

class Allocator {
 public:
  virtual ~Allocator() = default;
  virtual void* allocate(size_t bytes) = 0;
  virtual void deallocate(void* ptr, size_t bytes) = 0;
  // Bytes currently handed out, and the most ever handed out at once since reset_peak().
  size_t current_bytes() const { return current_.load(); }
  size_t peak_bytes() const { return peak_.load(); }
  void reset_peak() { peak_.store(current_.load()); }

 protected:
  void note_alloc(size_t bytes);
  void note_free(size_t bytes) { current_ -= bytes; }

 private:
  std::atomic<size_t> current_{0};
  std::atomic<size_t> peak_{0};
};

constexpr size_t kCpuAlignment = 64;

Allocator& cpu_allocator();
// The allocator for a device; throws DeviceError for CUDA when it is not available.
Allocator& allocator_for(Device device);

}  // namespace tailor
