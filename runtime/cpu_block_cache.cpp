#include "runtime/cpu_block_cache.h"

#include <cstdlib>
#include <new>

namespace tailor {

namespace {
constexpr size_t kPage = 4096;
size_t round_up(size_t n, size_t to) {
  return (n + to - 1) / to * to;
}
}  // namespace

size_t CpuBlockCache::block_size(size_t bytes) const {
  size_t rounded = round_up(bytes == 0 ? 1 : bytes, alignment_);
  // Whole pages for big blocks so that near-equal requests share a class.
  return rounded >= min_bytes_ ? round_up(rounded, kPage) : rounded;
}

void* CpuBlockCache::take(size_t bytes) {
  const size_t size = block_size(bytes);
  if (size >= min_bytes_) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = parked_.lower_bound(size);
    if (it != parked_.end() && it->first <= size + size / 8) {
      void* p = it->second;
      cached_ -= it->first;
      parked_.erase(it);
      return p;
    }
  }
  void* p = std::aligned_alloc(alignment_, size);
  if (!p) {
    release();  // parked blocks may be what the system lacks; try once more without them
    p = std::aligned_alloc(alignment_, size);
    if (!p) throw std::bad_alloc();
  }
  return p;
}

void CpuBlockCache::give(void* ptr, size_t bytes) {
  if (!ptr) return;
  const size_t size = block_size(bytes);
  if (size >= min_bytes_) {
    std::lock_guard<std::mutex> lock(mu_);
    if (cached_ + size <= max_cached_) {
      parked_.emplace(size, ptr);
      cached_ += size;
      return;
    }
  }
  std::free(ptr);
}

void CpuBlockCache::release() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [size, p] : parked_) std::free(p);
  parked_.clear();
  cached_ = 0;
}

size_t CpuBlockCache::cached_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return cached_;
}

}  // namespace tailor
