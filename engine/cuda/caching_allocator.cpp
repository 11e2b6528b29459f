// CUDA caching allocator: freed blocks go to a size-bucketed free list and are handed out
// again instead of calling cudaFree/cudaMalloc (both synchronize the device). Blocks are
// stream-ordered on Tailor's single stream, so a block freed after a kernel was queued can be
// reused by a kernel queued later on the same stream without a sync.
#include <cuda_runtime_api.h>

#include <map>
#include <mutex>
#include <unordered_map>

#include "engine/allocator.h"
#include "engine/error.h"

namespace tailor {

namespace {

constexpr size_t kRound = 512;  // keep blocks aligned for vectorized loads

class CudaCachingAllocator final : public Allocator {
 public:
  explicit CudaCachingAllocator(int device) : device_(device) {}

  void* allocate(size_t bytes) override {
    size_t size = std::max<size_t>(kRound, (bytes + kRound - 1) / kRound * kRound);
    std::lock_guard<std::mutex> lk(mutex_);
    auto it = free_.lower_bound(size);
    // Reuse a cached block unless it is much larger than needed (avoid hoarding big blocks).
    if (it != free_.end() && it->first <= size * 2) {
      void* p = it->second;
      live_[p] = it->first;
      free_.erase(it);
      note_alloc(bytes);
      return p;
    }
    cudaSetDevice(device_);
    void* p = nullptr;
    cudaError_t err = cudaMalloc(&p, size);
    if (err != cudaSuccess) {
      cudaGetLastError();
      release_cache_locked();  // retry once with the cache returned to the driver
      err = cudaMalloc(&p, size);
    }
    TAILOR_CHECK(err == cudaSuccess, DeviceError, "cudaMalloc of ", size, " bytes failed: ",
                 cudaGetErrorString(err));
    live_[p] = size;
    note_alloc(bytes);
    return p;
  }

  void deallocate(void* ptr, size_t bytes) override {
    std::lock_guard<std::mutex> lk(mutex_);
    auto it = live_.find(ptr);
    if (it == live_.end()) return;
    free_.emplace(it->second, ptr);
    live_.erase(it);
    note_free(bytes);
  }

 private:
  void release_cache_locked() {
    for (auto& kv : free_) cudaFree(kv.second);
    free_.clear();
  }

  int device_;
  std::mutex mutex_;
  std::multimap<size_t, void*> free_;
  std::unordered_map<void*, size_t> live_;
};

}  // namespace

Allocator& cuda_caching_allocator(int device_index) {
  static std::mutex m;
  static std::map<int, CudaCachingAllocator*> allocators;  // never destroyed: outlives tensors
  std::lock_guard<std::mutex> lk(m);
  auto& a = allocators[device_index];
  if (!a) a = new CudaCachingAllocator(device_index);
  return *a;
}

}  // namespace tailor
