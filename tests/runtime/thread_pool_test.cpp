// The thread pool: every index of every region runs exactly once, whatever the thread count,
// back-to-back regions (the training step's pattern, where workers watch for the next one
// before they sleep), exceptions, nested regions and resizing.
#include "runtime/thread_pool.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <stdexcept>
#include <vector>

namespace tailor {
namespace {

class ThreadPoolTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override { set_num_threads(GetParam()); }
  void TearDown() override { set_num_threads(0); }
};

TEST_P(ThreadPoolTest, EveryIndexOnceAcrossManyRegions) {
  for (int region = 0; region < 2000; ++region) {
    const int64_t n = 1 + (region * 37) % 301;
    std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
    parallel_for(0, n, 1 + region % 5, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) hits[size_t(i)].fetch_add(1);
    });
    for (int64_t i = 0; i < n; ++i) ASSERT_EQ(hits[size_t(i)].load(), 1) << region << " " << i;
  }
}

TEST_P(ThreadPoolTest, ChunkBoundariesDependOnlyOnTheRange) {
  auto boundaries = [] {
    std::vector<std::atomic<int64_t>> starts(1000);
    for (auto& s : starts) s = -1;
    parallel_for(0, 1000, 1, [&](int64_t b, int64_t e) { starts[size_t(b)] = e; });
    std::vector<int64_t> out;
    for (auto& s : starts) out.push_back(s.load());
    return out;
  };
  const std::vector<int64_t> first = boundaries();
  for (int i = 0; i < 20; ++i) EXPECT_EQ(boundaries(), first);
}

// Each thread first runs its own contiguous range of a region's chunks (its home), so the
// chunks split the items evenly over the homes first: the first half of 18 items to the first
// of two threads, not 10 of them because its chunks came first.
TEST_P(ThreadPoolTest, EachThreadsHomeRangeHoldsAnEqualShareOfTheItems) {
  const int threads = GetParam();
  for (int64_t n : {18, 37, 1000}) {
    std::vector<std::atomic<int64_t>> ends(static_cast<size_t>(n));
    for (auto& e : ends) e = -1;
    parallel_for(0, n, 1, [&](int64_t b, int64_t e) { ends[size_t(b)] = e; });
    std::vector<int64_t> sizes;  // the chunks' lengths, in order
    for (int64_t b = 0; b < n; b = ends[size_t(b)]) {
      ASSERT_GT(ends[size_t(b)].load(), b) << n;
      sizes.push_back(ends[size_t(b)] - b);
    }
    const int64_t chunks = int64_t(sizes.size()), homes = std::min<int64_t>(threads, chunks);
    for (int64_t k = 0; k < homes; ++k) {
      int64_t items = 0;
      for (int64_t c = chunks * k / homes; c < chunks * (k + 1) / homes; ++c) items += sizes[c];
      EXPECT_EQ(items, n * (k + 1) / homes - n * k / homes) << n << " items, home " << k;
    }
  }
}

TEST_P(ThreadPoolTest, AnExceptionReachesTheCallerAndThePoolGoesOn) {
  for (int round = 0; round < 50; ++round) {
    EXPECT_THROW(parallel_for(0, 64, 1,
                              [&](int64_t b, int64_t e) {
                                const int64_t bad = 13 % (round + 1);
                                if (b <= bad && bad < e) throw std::runtime_error("task");
                              }),
                 std::runtime_error);
    std::atomic<int64_t> sum{0};
    parallel_for(0, 100, 1, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) sum += i;
    });
    EXPECT_EQ(sum.load(), 4950);
  }
}

TEST_P(ThreadPoolTest, NestedRegionsRunInline) {
  std::atomic<int64_t> sum{0};
  parallel_for(0, 8, 1, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i)
      parallel_for(0, 10, 1, [&](int64_t b2, int64_t e2) { sum += (e2 - b2) * (i + 1); });
  });
  EXPECT_EQ(sum.load(), 10 * 36);
}

INSTANTIATE_TEST_SUITE_P(Threads, ThreadPoolTest, ::testing::Values(1, 2, 3, 8));

}  // namespace
}  // namespace tailor
