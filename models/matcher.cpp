#include "models/matcher.h"

#include "runtime/error.h"

namespace tailor::models {

std::vector<int> argmax_match(const std::vector<float>& sim, int rows, int cols,
                              const MatcherConfig& config) {
  TAILOR_CHECK(sim.size() == size_t(rows) * size_t(cols), UserError, "argmax_match: ", sim.size(),
               " similarities for a ", rows, "x", cols, " matrix");
  std::vector<int> match(cols, kUnmatched);
  if (rows == 0) return match;
  for (int c = 0; c < cols; ++c) {
    int best = 0;
    float best_val = sim[c];
    for (int r = 1; r < rows; ++r) {
      const float v = sim[size_t(r) * cols + c];
      if (v > best_val) best_val = v, best = r;
    }
    match[c] = best;
    const bool below = config.unmatched_threshold > best_val;
    const bool between =
        best_val >= config.unmatched_threshold && config.matched_threshold > best_val;
    if (below) match[c] = config.negatives_lower_than_unmatched ? kUnmatched : kIgnored;
    if (between) match[c] = config.negatives_lower_than_unmatched ? kIgnored : kUnmatched;
  }
  if (config.force_match_for_each_row && cols > 0) {
    std::vector<int> forced_row(cols, -1);
    for (int r = 0; r < rows; ++r) {
      const float* row = &sim[size_t(r) * cols];
      int best = 0;
      for (int c = 1; c < cols; ++c)
        if (row[c] > row[best]) best = c;
      if (forced_row[best] < 0) forced_row[best] = r;  // the lowest row wins a shared column
    }
    for (int c = 0; c < cols; ++c)
      if (forced_row[c] >= 0) match[c] = forced_row[c];
  }
  return match;
}

}  // namespace tailor::models
