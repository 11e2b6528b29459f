#include "kernels/cpu/simd_dispatch.h"

#include <algorithm>
#include <atomic>

namespace tailor::kernels::cpu {

namespace {
// -1: no cap; otherwise the SimdLevel value to cap at.
std::atomic<int> g_cap{-1};
}  // namespace

SimdLevel kernel_simd_level() {
  const int best = static_cast<int>(simd_level());
  const int cap = g_cap.load(std::memory_order_relaxed);
  return static_cast<SimdLevel>(cap < 0 ? best : std::min(best, cap));
}

ScopedKernelSimdLevel::ScopedKernelSimdLevel(SimdLevel level)
    : previous_(g_cap.exchange(static_cast<int>(level))) {}

ScopedKernelSimdLevel::~ScopedKernelSimdLevel() {
  g_cap.store(previous_);
}

}  // namespace tailor::kernels::cpu
