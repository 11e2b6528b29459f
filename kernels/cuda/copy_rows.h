#pragma once
// The row and last-dimension moves the engine ops need beyond elementwise.h and reduce.h:
// concat's block copies, gather / scatter of rows, per-row sums and their broadcast, and a
// device scalar broadcast (sum/mean backward without reading the gradient on the host).
// Device pointers, Tailor's stream; the semantics of kernels/cpu/copy_rows.h and reduce.h.
#include <cstdint>

namespace tailor::kernels::cuda {

// dst[o * dst_stride + i] = src[o * src_stride + i] for o < outer, i < width (one 2-D copy).
void copy_blocks(int64_t outer, int64_t width, const float* src, int64_t src_stride, float* dst,
                 int64_t dst_stride);
// y[i, :] = x[index[i], :] for i < m; index is a device int32 array.
void gather_rows(int64_t m, int64_t D, const float* x, const int32_t* index, float* y);
// y[index[i], :] += x[i, :] (y already initialized). Repeated indices add with atomics, so the
// order of additions (and the last bits) may vary between runs.
void scatter_add_rows(int64_t m, int64_t D, const float* x, const int32_t* index, float* y);
// y[r] = sum over d of x[r, d], summed in index order per row (deterministic).
void sum_last_dim(int64_t rows, int64_t D, const float* x, float* y);
// y[r, d] = g[r].
void broadcast_last_dim(int64_t rows, int64_t D, const float* g, float* y);
// y[i] = *scalar * factor for i < n; scalar is a device pointer.
void broadcast_scalar(int64_t n, const float* scalar, float factor, float* y);

}  // namespace tailor::kernels::cuda
