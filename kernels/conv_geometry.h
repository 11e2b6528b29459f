#pragma once
// Geometry of a 2-D convolution over NHWC input, with TF's padding rules. Shared by the CPU
// and CUDA kernels and by the ops that dispatch to them.
#include <cstdint>

namespace tailor::kernels {

enum class Padding { Same, Valid };

struct ConvGeometry {
  int64_t batch = 0, in_h = 0, in_w = 0, in_c = 0;
  int64_t kernel_h = 0, kernel_w = 0, out_c = 0;  // out_c == in_c for depthwise
  int64_t stride = 1;
  int64_t out_h = 0, out_w = 0;
  int64_t pad_top = 0, pad_left = 0;  // bottom/right padding is implied by out_h/out_w

  int64_t input_numel() const { return batch * in_h * in_w * in_c; }
  int64_t output_numel() const { return batch * out_h * out_w * out_c; }
};

// TF SAME: out = ceil(in / stride); total pad = max((out-1)*stride + k - in, 0), split with the
// smaller half at the top/left (so 3x3 stride 2 from 300 to 150 pads 0 top, 1 bottom).
// VALID: out = ceil((in - k + 1) / stride), no padding.
inline void tf_padding(int64_t in, int64_t k, int64_t stride, Padding p, int64_t* out,
                       int64_t* pad_before) {
  if (p == Padding::Same) {
    *out = (in + stride - 1) / stride;
    int64_t total = (*out - 1) * stride + k - in;
    if (total < 0) total = 0;
    *pad_before = total / 2;
  } else {
    *out = in >= k ? (in - k + stride) / stride : 0;
    *pad_before = 0;
  }
}

inline ConvGeometry make_conv_geometry(int64_t n, int64_t h, int64_t w, int64_t c, int64_t kh,
                                       int64_t kw, int64_t out_c, int64_t stride, Padding p) {
  ConvGeometry g;
  g.batch = n;
  g.in_h = h;
  g.in_w = w;
  g.in_c = c;
  g.kernel_h = kh;
  g.kernel_w = kw;
  g.out_c = out_c;
  g.stride = stride;
  tf_padding(h, kh, stride, p, &g.out_h, &g.pad_top);
  tf_padding(w, kw, stride, p, &g.out_w, &g.pad_left);
  return g;
}

}  // namespace tailor::kernels
