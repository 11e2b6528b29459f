#pragma once
// Patch matrices for the GEMM form of a dense convolution. col has one row per output pixel
// (N*OH*OW rows) and kh*kw*C_in columns ordered (i, j, c), matching the rows of HWIO weights,
// so y = col * W[kh*kw*C_in, C_out]. Device pointers, Tailor's stream.
#include "kernels/conv_geometry.h"

namespace tailor::kernels::cuda {

void im2col(const ConvGeometry& g, const float* x, float* col);
// dx[n,ih,iw,c] = sum of the col entries that im2col copied from (n,ih,iw,c); a gather, so
// every dx element is written once (no atomics).
void col2im(const ConvGeometry& g, const float* col, float* dx);

}  // namespace tailor::kernels::cuda
