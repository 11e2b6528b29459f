#include "engine/ops/conv.h"

#include <vector>

#include "engine/autograd.h"
#include "engine/ops/conv_launch.h"
#include "runtime/error.h"

namespace tailor::ops {

namespace {

using detail::check_and_plan;
using detail::conv_operand;
using detail::ConvGeometry;
using detail::ConvKind;
using detail::ConvPass;
using detail::launch_conv;

Tensor convolve(const char* op, ConvKind kind, const Tensor& x, const Tensor& w, int64_t stride,
                Padding padding) {
  const ConvGeometry g = check_and_plan(op, kind, x, w, stride, padding);
  Tensor xc = conv_operand(op, "input", x), wc = conv_operand(op, "weights", w);
  Tensor y = Tensor::empty({g.batch, g.out_h, g.out_w, g.out_c}, DType::Float32, x.device());
  launch_conv(op, kind, ConvPass::Forward, g, xc, wc, y);

  // dx needs w and dw needs x: keep only what a requested gradient will read.
  Tensor saved_x = w.requires_grad() ? xc.detach() : Tensor();
  Tensor saved_w = x.requires_grad() ? wc.detach() : Tensor();
  const Shape x_shape = x.shape(), w_shape = w.shape();
  return record_op(y, op, {x, w}, [=](const Tensor& grad, const std::vector<bool>& needs) {
    Tensor dy = conv_operand(op, "gradient", grad);
    TAILOR_CHECK(dy.shape() == Shape({g.batch, g.out_h, g.out_w, g.out_c}), ShapeError, op,
                 " backward: gradient ", shape_str(dy.shape()), " does not match the output");
    Tensor dx, dw;
    if (needs[0]) {
      dx = Tensor::empty(x_shape, DType::Float32, dy.device());
      launch_conv(op, kind, ConvPass::BackwardInput, g, dy, saved_w, dx);
    }
    if (needs[1]) {
      dw = Tensor::empty(w_shape, DType::Float32, dy.device());
      launch_conv(op, kind, ConvPass::BackwardFilter, g, saved_x, dy, dw);
    }
    return std::vector<Tensor>{dx, dw};
  });
}

}  // namespace

Tensor conv2d(const Tensor& x, const Tensor& w, int64_t stride, Padding padding) {
  return convolve("conv2d", detail::dense_kind(w, stride), x, w, stride, padding);
}

Tensor depthwise_conv2d(const Tensor& x, const Tensor& w, int64_t stride, Padding padding) {
  return convolve("depthwise_conv2d", ConvKind::Depthwise, x, w, stride, padding);
}

Tensor pointwise_conv2d(const Tensor& x, const Tensor& w) {
  return convolve("pointwise_conv2d", ConvKind::Pointwise, x, w, 1, Padding::Same);
}

}  // namespace tailor::ops
