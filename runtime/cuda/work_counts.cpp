#include "runtime/cuda/work_counts.h"

#include <atomic>

namespace tailor::cuda {
namespace {

std::atomic<int64_t> g_launches{0}, g_library_calls{0}, g_copies{0}, g_host_waits{0};

}  // namespace

WorkCounts work_counts() {
  WorkCounts c;
  c.launches = g_launches.load(std::memory_order_relaxed);
  c.library_calls = g_library_calls.load(std::memory_order_relaxed);
  c.copies = g_copies.load(std::memory_order_relaxed);
  c.host_waits = g_host_waits.load(std::memory_order_relaxed);
  return c;
}

WorkCounts operator-(const WorkCounts& a, const WorkCounts& b) {
  return {a.launches - b.launches, a.library_calls - b.library_calls, a.copies - b.copies,
          a.host_waits - b.host_waits};
}

void count_launch() {
  g_launches.fetch_add(1, std::memory_order_relaxed);
}
void count_library_call() {
  g_library_calls.fetch_add(1, std::memory_order_relaxed);
}
void count_copy() {
  g_copies.fetch_add(1, std::memory_order_relaxed);
}
void count_host_wait() {
  g_host_waits.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace tailor::cuda
