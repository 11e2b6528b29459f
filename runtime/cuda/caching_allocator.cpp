#include "runtime/cuda/caching_allocator.h"

#include <cuda_runtime_api.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

#include "runtime/cuda/cuda_check.h"
#include "runtime/cuda/stream.h"
#include "runtime/error.h"

namespace tailor {

namespace {

constexpr size_t kSmallRound = 512;  // keeps blocks aligned for vectorized loads
constexpr size_t kLargeLimit = size_t(1) << 20;

// Small sizes round to 512 B; large ones to a quarter of their power of two, so a block freed by
// one step fits the next step's slightly different request and waste stays under 25 %.
size_t round_size(size_t bytes) {
  if (bytes <= kLargeLimit)
    return std::max(kSmallRound, (bytes + kSmallRound - 1) / kSmallRound * kSmallRound);
  size_t p = 1;
  while (p * 2 <= bytes) p *= 2;
  size_t q = p / 4;
  return (bytes + q - 1) / q * q;
}

class CudaCachingAllocator final : public Allocator {
 public:
  explicit CudaCachingAllocator(int device) : device_(device) {}

  void* allocate(size_t bytes) override {
    const size_t size = round_size(bytes);
    std::lock_guard<std::mutex> lk(mutex_);
    auto it = free_.lower_bound(size);
    // A cached block at most twice the size is reused; a bigger one is kept for a bigger request.
    if (it != free_.end() && it->first <= size * 2) {
      void* p = it->second;
      live_[p] = it->first;
      cached_ -= it->first;
      free_.erase(it);
      ++stats_.cache_hits;
      note_alloc(bytes);
      return p;
    }
    void* p = malloc_locked(size);
    live_[p] = size;
    note_alloc(bytes);
    return p;
  }

  void deallocate(void* ptr, size_t bytes) override {
    std::lock_guard<std::mutex> lk(mutex_);
    auto it = live_.find(ptr);
    if (it == live_.end()) return;
    free_.emplace(it->second, ptr);
    cached_ += it->second;
    live_.erase(it);
    note_free(bytes);
  }

  cuda::AllocatorStats stats() {
    std::lock_guard<std::mutex> lk(mutex_);
    cuda::AllocatorStats s = stats_;
    s.current_bytes = current_bytes();
    s.peak_bytes = peak_bytes();
    s.cached_bytes = cached_;
    return s;
  }

  void empty_cache() {
    cuda::synchronize(device_);
    std::lock_guard<std::mutex> lk(mutex_);
    release_cached_locked();
  }

 private:
  void* malloc_locked(size_t size) {
    TAILOR_CUDA_CHECK(cudaSetDevice(device_), "device " + std::to_string(device_));
    void* p = nullptr;
    // cudaMalloc counts as "unsafe" during a capture in the default modes; it enqueues no work,
    // so allow it the way graph-capturing allocators do: relaxed mode for this one call.
    cudaStreamCaptureMode mode = cudaStreamCaptureModeRelaxed;
    cudaThreadExchangeStreamCaptureMode(&mode);
    cudaError_t err = cudaMalloc(&p, size);
    cudaThreadExchangeStreamCaptureMode(&mode);
    if (err != cudaSuccess && !cuda::is_capturing(device_)) {
      cudaGetLastError();
      // Out of memory with blocks cached: give them back and retry once. cudaFree waits for
      // the device, which is acceptable on this rare path (and illegal while capturing).
      TAILOR_CUDA_CHECK(cudaStreamSynchronize(cuda::stream(device_)), "allocator retry");
      release_cached_locked();
      err = cudaMalloc(&p, size);
    }
    if (err != cudaSuccess)
      cuda::throw_cuda_error("cudaMalloc",
                             std::to_string(size) + " bytes, " +
                                 std::to_string(stats_.reserved_bytes) + " reserved, " +
                                 std::to_string(current_bytes()) + " live",
                             err);
    ++stats_.cuda_mallocs;
    stats_.reserved_bytes += size;
    stats_.peak_reserved_bytes = std::max(stats_.peak_reserved_bytes, stats_.reserved_bytes);
    return p;
  }

  void release_cached_locked() {
    for (auto& kv : free_) {
      cudaFree(kv.second);
      stats_.reserved_bytes -= kv.first;
      cached_ -= kv.first;
    }
    free_.clear();
  }

  int device_;
  std::mutex mutex_;
  std::multimap<size_t, void*> free_;       // size -> cached block
  std::unordered_map<void*, size_t> live_;  // block -> its rounded size
  size_t cached_ = 0;
  cuda::AllocatorStats stats_;
};

CudaCachingAllocator& instance(int device_index) {
  static std::mutex m;
  static std::map<int, CudaCachingAllocator*> allocators;  // never destroyed: outlives tensors
  std::lock_guard<std::mutex> lk(m);
  auto& a = allocators[device_index];
  if (!a) a = new CudaCachingAllocator(device_index);
  return *a;
}

}  // namespace

Allocator& cuda_caching_allocator(int device_index) {
  return instance(device_index);
}

namespace cuda {

AllocatorStats allocator_stats(int device) {
  return instance(device).stats();
}
void empty_cache(int device) {
  instance(device).empty_cache();
}

DeviceBuffer::DeviceBuffer(size_t bytes) {
  ensure(bytes);
}

DeviceBuffer::~DeviceBuffer() {
  release();
}

DeviceBuffer::DeviceBuffer(DeviceBuffer&& o) noexcept
    : ptr_(std::exchange(o.ptr_, nullptr)),
      bytes_(std::exchange(o.bytes_, 0)),
      device_(o.device_) {}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& o) noexcept {
  if (this != &o) {
    release();
    ptr_ = std::exchange(o.ptr_, nullptr);
    bytes_ = std::exchange(o.bytes_, 0);
    device_ = o.device_;
  }
  return *this;
}

void DeviceBuffer::ensure(size_t bytes) {
  if (bytes <= bytes_ && ptr_) return;
  release();
  device_ = current_device();
  ptr_ = instance(device_).allocate(bytes);
  bytes_ = bytes;
}

void DeviceBuffer::release() {
  if (ptr_) instance(device_).deallocate(ptr_, bytes_);
  ptr_ = nullptr;
  bytes_ = 0;
}

}  // namespace cuda

}  // namespace tailor
