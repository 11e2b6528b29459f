#include "runtime/allocator.h"

#include "runtime/cpu_block_cache.h"
#include "runtime/error.h"

namespace tailor {

void Allocator::note_alloc(size_t bytes) {
  size_t now = current_ += bytes;
  size_t peak = peak_.load();
  while (now > peak && !peak_.compare_exchange_weak(peak, now)) {
  }
}

namespace {

// Under AddressSanitizer nothing is parked: a reused block would hide a use after free.
#if defined(__SANITIZE_ADDRESS__)  // gcc
#define TAILOR_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)  // clang
#define TAILOR_ASAN 1
#endif
#endif
#ifdef TAILOR_ASAN
constexpr size_t kParkedCap = 0;
#else
constexpr size_t kParkedCap = size_t{2} << 30;
#endif

class CpuAllocator final : public Allocator {
 public:
  void* allocate(size_t bytes) override {
    void* p = cache_.take(bytes);
    note_alloc(bytes);
    return p;
  }
  void deallocate(void* ptr, size_t bytes) override {
    cache_.give(ptr, bytes);
    note_free(bytes);
  }

 private:
  CpuBlockCache cache_{kCpuAlignment, /*min_bytes=*/64 << 10, kParkedCap};
};

}  // namespace

// Never destroyed: tensors in other static objects may be freed after this file's statics.
Allocator& cpu_allocator() {
  static CpuAllocator* instance = new CpuAllocator;
  return *instance;
}

#ifdef TAILOR_WITH_CUDA
Allocator& cuda_caching_allocator(int device_index);  // runtime/cuda/caching_allocator.cpp
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
