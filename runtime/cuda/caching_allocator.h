#pragma once
// The CUDA caching allocator (one per device) and what it exposes beyond runtime/allocator.h.
//
// Freed blocks are cached and handed out again without cudaFree/cudaMalloc (both synchronise
// the device). Reuse needs no events because every user of a block runs on Tailor's single
// stream (runtime/cuda/stream.h): a kernel queued after the new owner's allocation always runs
// after the kernels that used the block before.
//
// CUDA graph capture (the GPU issue) will need blocks reserved per captured graph; the design
// is in docs/ARCHITECTURE.md.
#include <cstddef>
#include <cstdint>

#include "runtime/allocator.h"

namespace tailor {
Allocator& cuda_caching_allocator(int device_index);
}

namespace tailor::cuda {

struct AllocatorStats {
  size_t current_bytes = 0;        // requested bytes live now
  size_t peak_bytes = 0;           // most requested bytes live at once (Allocator::peak_bytes)
  size_t reserved_bytes = 0;       // bytes obtained from cudaMalloc and not yet returned
  size_t peak_reserved_bytes = 0;  // most ever reserved
  size_t cached_bytes = 0;         // reserved bytes sitting in free lists
  uint64_t cuda_mallocs = 0;       // calls that went to cudaMalloc
  uint64_t cache_hits = 0;         // allocations served from a free list
};

AllocatorStats allocator_stats(int device);
// Returns free cached blocks to the driver (after syncing the stream).
void empty_cache(int device);

// A block of device memory from the caching allocator for the current device, freed (stream
// ordered) when it goes out of scope. Used for kernel workspaces and partial sums.
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(size_t bytes);
  ~DeviceBuffer();
  DeviceBuffer(DeviceBuffer&& o) noexcept;
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  void* data() const { return ptr_; }
  template <typename T>
  T* as() const {
    return static_cast<T*>(ptr_);
  }
  size_t bytes() const { return bytes_; }
  // Grows (without keeping contents) when `bytes` is more than held.
  void ensure(size_t bytes);

 private:
  void release();
  void* ptr_ = nullptr;
  size_t bytes_ = 0;
  int device_ = 0;
};

}  // namespace tailor::cuda
