#include "engine/allocator.h"

#include <cstdlib>
#include <new>

#include "engine/error.h"

namespace tailor {

void Allocator::note_alloc(size_t bytes) {
  size_t now = current_ += bytes;
  size_t peak = peak_.load();
  while (now > peak && !peak_.compare_exchange_weak(peak, now)) {
  }
}

namespace {

class CpuAllocator final : public Allocator {
 public:
  void* allocate(size_t bytes) override {
    // aligned_alloc needs a size that is a multiple of the alignment; never ask for 0 bytes.
    size_t rounded = (bytes + kCpuAlignment - 1) / kCpuAlignment * kCpuAlignment;
    if (rounded == 0) rounded = kCpuAlignment;
    void* p = std::aligned_alloc(kCpuAlignment, rounded);
    if (!p) throw std::bad_alloc();
    note_alloc(bytes);
    return p;
  }
  void deallocate(void* ptr, size_t bytes) override {
    std::free(ptr);
    note_free(bytes);
  }
};

}  // namespace

Allocator& cpu_allocator() {
  static CpuAllocator instance;
  return instance;
}

#ifdef TAILOR_WITH_CUDA
Allocator& cuda_caching_allocator(int device_index);  // engine/cuda/caching_allocator.cpp
#endif

Allocator& allocator_for(Device device) {
  if (device.is_cpu()) return cpu_allocator();
#ifdef TAILOR_WITH_CUDA
  require_cuda();
  return cuda_caching_allocator(device.index);
#else
  require_cuda();
  return cpu_allocator();  // unreachable: require_cuda throws without CUDA
#endif
}

}  // namespace tailor
