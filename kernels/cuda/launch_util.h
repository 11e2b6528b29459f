#pragma once
// Host-side helpers shared by the CUDA kernels' launchers.
#include <cstdint>

namespace tailor::kernels::cuda {

int sm_count();  // multiprocessors on the current device (cached)

// Row partitions for a two-level reduction over `rows` of a [rows, C] matrix laid out in
// 32-channel column blocks: enough blocks for about four per SM, each with at least 8 rows.
int reduction_partitions(int64_t rows, int64_t channels);

}  // namespace tailor::kernels::cuda
