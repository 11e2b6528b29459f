#pragma once
// Repetition policy and the median-of-N timer shared by the benches.
#include <functional>
#include <vector>

namespace tailor::bench {

struct Timing {
  double median_ms = 0, min_ms = 0;
  int reps = 0;
};

// Warm-up runs, then at least min_reps timed runs, more until min_seconds have passed, at most
// max_reps.
struct TimingPlan {
  int warmup = 3, min_reps = 9, max_reps = 60;
  double min_seconds = 0.4;
};

Timing median_of(std::vector<double> ms);

// steady_clock around each call of fn.
Timing time_runs(const std::function<void()>& fn, const TimingPlan& plan);

}  // namespace tailor::bench
