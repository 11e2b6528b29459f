#include "bench/timing.h"

#include <algorithm>
#include <chrono>
#include <vector>

namespace tailor::bench {

Timing median_of(std::vector<double> ms) {
  Timing t;
  if (ms.empty()) return t;
  std::sort(ms.begin(), ms.end());
  t.reps = static_cast<int>(ms.size());
  t.min_ms = ms.front();
  t.median_ms =
      ms.size() % 2 ? ms[ms.size() / 2] : 0.5 * (ms[ms.size() / 2 - 1] + ms[ms.size() / 2]);
  return t;
}

Timing time_runs(const std::function<void()>& fn, const TimingPlan& plan) {
  using clock = std::chrono::steady_clock;
  for (int i = 0; i < plan.warmup; ++i) fn();
  std::vector<double> ms;
  const auto start = clock::now();
  while (static_cast<int>(ms.size()) < plan.max_reps) {
    const auto t0 = clock::now();
    fn();
    const auto t1 = clock::now();
    ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    const double elapsed = std::chrono::duration<double>(t1 - start).count();
    if (static_cast<int>(ms.size()) >= plan.min_reps && elapsed >= plan.min_seconds) break;
  }
  return median_of(std::move(ms));
}

}  // namespace tailor::bench
