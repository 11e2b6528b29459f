#pragma once
// When a kernel writes its output with streaming (non-temporal) stores, simd_vec.h's stream():
// outputs of at least kStreamBytes, in the kernels that support it (sgemm's single-pass
// products, batch norm's normalizing pass). Such an output does not stay in cache for its
// reader anyway, and a plain store first reads every line it writes: a third of a streaming
// pass's memory traffic. A smaller output (up to a third of the 48 MiB L3 of the machines
// measured) may still be in cache when the next layer reads it. The values never change, only
// how they reach memory (bench/RESULTS.md, 2026-12-07, evening).
#include <cstdint>

namespace tailor::kernels::cpu {

constexpr int64_t kStreamBytes = int64_t(16) << 20;

}  // namespace tailor::kernels::cpu
