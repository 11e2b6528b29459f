// The CPU block cache: big freed blocks come back for the next request of their size class,
// small ones and ones past the cap go back to the system, and nothing handed out is shared.
#include "runtime/cpu_block_cache.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>

namespace tailor {
namespace {

constexpr size_t kKiB = 1024;

TEST(CpuBlockCache, ReusesAFreedBlockOfTheSameClass) {
  CpuBlockCache cache(64, 64 * kKiB, 1024 * kKiB);
  void* a = cache.take(100 * kKiB);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a) % 64, 0u);
  std::memset(a, 1, 100 * kKiB);
  cache.give(a, 100 * kKiB);
  EXPECT_EQ(cache.cached_bytes(), 100 * kKiB);
  // 100 KiB - 10 bytes rounds up to the same 4 KiB class.
  void* b = cache.take(100 * kKiB - 10);
  EXPECT_EQ(b, a);
  EXPECT_EQ(cache.cached_bytes(), 0u);
  void* c = cache.take(100 * kKiB);  // the only parked block is taken: a new one
  EXPECT_NE(c, b);
  cache.give(b, 100 * kKiB - 10);
  cache.give(c, 100 * kKiB);
  EXPECT_EQ(cache.cached_bytes(), 2 * cache.block_size(100 * kKiB));
}

TEST(CpuBlockCache, ServesWithinOneEighthSlackOnly) {
  CpuBlockCache cache(64, 64 * kKiB, 4096 * kKiB);
  void* big = cache.take(200 * kKiB);
  cache.give(big, 200 * kKiB);
  void* too_small_for_it = cache.take(100 * kKiB);  // 200 KiB is more than 1/8 over: not used
  EXPECT_NE(too_small_for_it, big);
  void* near = cache.take(180 * kKiB);  // within 1/8: served from the parked 200 KiB block
  EXPECT_EQ(near, big);
  std::memset(near, 2, 180 * kKiB);
  cache.give(too_small_for_it, 100 * kKiB);
  cache.give(near, 180 * kKiB);
  cache.release();
  EXPECT_EQ(cache.cached_bytes(), 0u);
}

TEST(CpuBlockCache, LeavesSmallBlocksAndOverflowToTheSystem) {
  CpuBlockCache cache(64, 64 * kKiB, 128 * kKiB);
  void* small = cache.take(1000);
  cache.give(small, 1000);
  EXPECT_EQ(cache.cached_bytes(), 0u);
  void* a = cache.take(100 * kKiB);
  void* b = cache.take(100 * kKiB);
  cache.give(a, 100 * kKiB);
  cache.give(b, 100 * kKiB);  // would exceed the 128 KiB cap: freed
  EXPECT_EQ(cache.cached_bytes(), 100 * kKiB);
}

TEST(CpuBlockCache, ZeroBytesStillGetsAnAlignedBlock) {
  CpuBlockCache cache(64, 64 * kKiB, 0);
  void* p = cache.take(0);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 64, 0u);
  cache.give(p, 0);
  EXPECT_EQ(cache.cached_bytes(), 0u);
}

}  // namespace
}  // namespace tailor
