// The implementation selector of depthwise_conv.h: each entry point routes to Tailor's kernel
// (depthwise_conv.cu) or cuDNN by ConvImpl, and `auto` measures once per shape.
#include "kernels/cuda/depthwise_conv.h"

#include <string>

#include "kernels/cuda/autotune.h"
#include "kernels/cuda/cudnn_conv.h"
#include "runtime/error.h"

namespace tailor::kernels::cuda {

namespace {

// The depthwise candidates `auto` times: the handwritten kernel only where it applies.
template <typename Hand, typename Lib>
void depthwise_dispatch(const char* op, const ConvGeometry& g, ConvImpl impl, Hand hand, Lib lib) {
  switch (impl) {
    case ConvImpl::Handwritten:
      return hand();
    case ConvImpl::Cudnn:
      return lib();
    case ConvImpl::Cublas:
      return reject_conv_impl(op, g, impl);
    case ConvImpl::Auto:
      break;
  }
  if (!depthwise_handwritten_supports(g)) return lib();
  run_fastest(conv_autotune_key(op, g), {{ConvImpl::Handwritten, hand}, {ConvImpl::Cudnn, lib}});
}

}  // namespace

void depthwise_conv2d_forward(const ConvGeometry& g, const float* x, const float* w, float* y,
                              ConvImpl impl) {
  depthwise_dispatch(
      "depthwise forward", g, impl, [&] { depthwise_conv2d_forward_handwritten(g, x, w, y); },
      [&] { cudnn_conv2d_forward(g, true, x, w, y); });
}

void depthwise_conv2d_backward_input(const ConvGeometry& g, const float* dy, const float* w,
                                     float* dx, ConvImpl impl) {
  depthwise_dispatch(
      "depthwise backward-data", g, impl,
      [&] { depthwise_conv2d_backward_input_handwritten(g, dy, w, dx); },
      [&] { cudnn_conv2d_backward_input(g, true, dy, w, dx); });
}

void depthwise_conv2d_backward_filter(const ConvGeometry& g, const float* x, const float* dy,
                                      float* dw, ConvImpl impl) {
  depthwise_dispatch(
      "depthwise backward-filter", g, impl,
      [&] { depthwise_conv2d_backward_filter_handwritten(g, x, dy, dw); },
      [&] { cudnn_conv2d_backward_filter(g, true, x, dy, dw); });
}

}  // namespace tailor::kernels::cuda
