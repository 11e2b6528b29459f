#pragma once
// The loop nest of the plain reference convolutions (conv2d.cpp, depthwise_conv.cpp): every
// output pixel and every kernel tap that lands inside the input, with TF's padding from the
// geometry. The references accumulate in double in this fixed order, so each one is a short
// lambda over the indices it is given.
#include <cstdint>

#include "kernels/conv_geometry.h"

namespace tailor::kernels::cpu {

// Calls f(x_pixel, y_pixel, tap) in the order n, oh, ow, i, j: x_pixel and y_pixel index the
// NHW pixels of the input and output (multiply by the channel count for an element), tap is
// i * kernel_w + j.
template <typename F>
void for_each_tap(const ConvGeometry& g, F f) {
  for (int64_t n = 0; n < g.batch; ++n)
    for (int64_t oh = 0; oh < g.out_h; ++oh)
      for (int64_t ow = 0; ow < g.out_w; ++ow)
        for (int64_t i = 0; i < g.kernel_h; ++i)
          for (int64_t j = 0; j < g.kernel_w; ++j) {
            const int64_t ih = oh * g.stride - g.pad_top + i, iw = ow * g.stride - g.pad_left + j;
            if (ih < 0 || ih >= g.in_h || iw < 0 || iw >= g.in_w) continue;
            f((n * g.in_h + ih) * g.in_w + iw, (n * g.out_h + oh) * g.out_w + ow,
              i * g.kernel_w + j);
          }
}

}  // namespace tailor::kernels::cpu
