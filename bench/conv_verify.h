#pragma once
// The CPU reference a bench result is checked against: the plain convolution sums in double
// precision, evaluated at a deterministic sample of output elements (every element when the
// case is small). Batch-32 pointwise backward-filter sums run over 720,000 terms per element, so
// a full reference would cost more than the whole bench; a spread sample still catches any
// indexing or accumulation bug, which shows at nearly every element.
#include <cstdint>
#include <vector>

#include "bench/conv_cases.h"

namespace tailor::bench {

struct ConvReference {
  std::vector<int64_t> index;  // into the result, ascending
  std::vector<double> value;
  double max_abs = 0;  // max |value|
};

// a, b: the pass's operands (x, w), (dy, w) or (x, dy). About `mac_budget` multiply-adds.
ConvReference conv_reference(const ConvCase& c, const float* a, const float* b,
                             double mac_budget = 3e7);

struct ConvCheck {
  double max_abs_err = 0, max_rel_err = 0;  // rel: max_abs_err / reference's max |value|
  double tolerance = 0;
  int64_t checked = 0;
  bool ok = false;
};

// Float32 sums round with error growing with their length; the tolerance allows for that
// (4e-6 per term up to 4096 terms, plus 1e-4 of the largest value), far below the O(1) error
// of a wrong index or a missed term.
ConvCheck check_result(const ConvCase& c, const ConvReference& ref, const std::vector<float>& got);

}  // namespace tailor::bench
