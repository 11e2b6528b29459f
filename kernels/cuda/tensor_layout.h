#pragma once
// Layout moves the library paths need around cuDNN: weight transposes between TF's HWIO and
// cuDNN's KRSC, and explicit bottom/right padding (cuDNN pads symmetrically, TF SAME may not).
// Device pointers, Tailor's stream.
#include <cstdint>

namespace tailor::kernels::cuda {

// out[c][r] = in[r][c] for in of shape [rows, cols]. HWIO [kh*kw*Cin, Cout] -> KRSC [Cout,
// kh*kw*Cin], and depthwise [kh*kw, C] -> [C, kh*kw], are this transpose.
void transpose2d(const float* in, int64_t rows, int64_t cols, float* out);

// NHWC x [n,h,w,c] -> [n,h+extra_h,w+extra_w,c] with zeros in the added bottom rows / right
// columns.
void pad_bottom_right(const float* x, int64_t n, int64_t h, int64_t w, int64_t c, int64_t extra_h,
                      int64_t extra_w, float* out);
// The inverse view: copies the top-left [n,h,w,c] of xp [n,h+extra_h,w+extra_w,c].
void crop_bottom_right(const float* xp, int64_t n, int64_t h, int64_t w, int64_t c, int64_t extra_h,
                       int64_t extra_w, float* out);

}  // namespace tailor::kernels::cuda
