#pragma once
// Keeps freed large CPU blocks for the next request of about the same size. A training step
// frees and re-requests the same activation sizes every step; handing those back to the C
// library returned them to the kernel (glibc serves big blocks with mmap), so every step paid
// for faulting in and zeroing ~1 GB of fresh pages (a quarter of a batch-10 step).
#include <cstddef>
#include <map>
#include <mutex>

namespace tailor {

class CpuBlockCache {
 public:
  // Blocks under min_bytes are left to malloc, whose small-block bins already reuse them;
  // at most max_cached_bytes stay parked, beyond that a freed block goes back to the system.
  CpuBlockCache(size_t alignment, size_t min_bytes, size_t max_cached_bytes)
      : alignment_(alignment), min_bytes_(min_bytes), max_cached_(max_cached_bytes) {}
  ~CpuBlockCache() { release(); }
  CpuBlockCache(const CpuBlockCache&) = delete;
  CpuBlockCache& operator=(const CpuBlockCache&) = delete;

  // An aligned block of at least `bytes`: a parked one when one fits within 1/8 slack, else a
  // new one. Throws std::bad_alloc when the system has none.
  void* take(size_t bytes);
  // Parks the block, or frees it when it is small or the cache is full. `bytes` is what was
  // passed to take(). A block served with slack is parked under the smaller class, which only
  // ever understates its size, so a later take() still gets enough.
  void give(void* ptr, size_t bytes);
  // Frees every parked block.
  void release();
  size_t cached_bytes() const;

  // The size class a request is served from; exposed for tests.
  size_t block_size(size_t bytes) const;

 private:
  const size_t alignment_;
  const size_t min_bytes_;
  const size_t max_cached_;
  mutable std::mutex mu_;
  std::multimap<size_t, void*> parked_;  // block size -> block
  size_t cached_ = 0;
};

}  // namespace tailor
