#pragma once
// std::vector storage aligned to a cache line (64 bytes, one AVX-512 vector), for the kernels'
// packed weights and the inference plan's arena. malloc aligns to 16 bytes only, and its large
// blocks start 16 bytes into a page, so without this every 64-byte load of a packed panel
// straddles two cache lines.
#include <cstddef>
#include <new>
#include <vector>

namespace tailor {

template <typename T>
struct CacheLineAllocator {
  using value_type = T;
  static constexpr std::align_val_t kAlignment{64};
  CacheLineAllocator() = default;
  template <typename U>
  CacheLineAllocator(const CacheLineAllocator<U>&) {}
  T* allocate(size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), kAlignment)); }
  void deallocate(T* p, size_t) { ::operator delete(p, kAlignment); }
  template <typename U>
  bool operator==(const CacheLineAllocator<U>&) const {
    return true;
  }
  template <typename U>
  bool operator!=(const CacheLineAllocator<U>&) const {
    return false;
  }
};

template <typename T>
using AlignedVector = std::vector<T, CacheLineAllocator<T>>;

}  // namespace tailor
