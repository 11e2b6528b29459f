#pragma once
// Row gathers/scatters and the strided block copies behind concat. Indices are int32 and must
// already be bounds-checked by the caller (engine/ops checks them and names the op).
#include <cstdint>

namespace tailor::kernels::cpu {

// y[i, :] = x[index[i], :] for i < m; rows of width D.
void gather_rows(int64_t m, int64_t D, const float* x, const int32_t* index, float* y);
// y[index[i], :] += x[i, :] for i < m, in index order (y is not cleared).
void scatter_add_rows(int64_t m, int64_t D, const float* x, const int32_t* index, float* y);
// Copies `outer` blocks of `width` floats: dst[o*dst_stride + j] = src[o*src_stride + j].
// Concat along an axis is one such copy per input into its column range of the output.
void copy_blocks(int64_t outer, int64_t width, const float* src, int64_t src_stride, float* dst,
                 int64_t dst_stride);

void gather_rows_ref(int64_t m, int64_t D, const float* x, const int32_t* index, float* y);
void scatter_add_rows_ref(int64_t m, int64_t D, const float* x, const int32_t* index, float* y);
void copy_blocks_ref(int64_t outer, int64_t width, const float* src, int64_t src_stride, float* dst,
                     int64_t dst_stride);

}  // namespace tailor::kernels::cpu
