#include "engine/ops/conv_launch.h"

#include <string>

#include "kernels/cpu/conv2d.h"
#include "kernels/cpu/depthwise_conv.h"
#include "runtime/error.h"
#ifdef TAILOR_WITH_CUDA
#include "kernels/cuda/conv2d.h"
#include "kernels/cuda/depthwise_conv.h"
#endif

namespace tailor::ops::detail {

using kernels::Padding;

namespace {

// Pass signature shared by every kernel: (geometry, first operand, second operand, result), as
// (x, w, y), (dy, w, dx) and (x, dy, dw).
using KernelFn = void (*)(const ConvGeometry&, const float*, const float*, float*);

KernelFn cpu_kernel(ConvKind kind, ConvPass pass) {
  namespace k = kernels::cpu;
  static const KernelFn table[3][3] = {
      {k::conv2d_forward, k::conv2d_backward_input, k::conv2d_backward_filter},
      {k::depthwise_conv2d_forward, k::depthwise_conv2d_backward_input,
       k::depthwise_conv2d_backward_filter},
      {k::pointwise_conv2d_forward, k::pointwise_conv2d_backward_input,
       k::pointwise_conv2d_backward_filter},
  };
  return table[static_cast<int>(kind)][static_cast<int>(pass)];
}

#ifdef TAILOR_WITH_CUDA
// The CUDA kernels take the implementation as a last argument: the process-wide selection
// (kernels/cuda/conv_impl.h), depthwise for depthwise, pointwise for 1x1 and dense (im2col +
// the same GEMM paths).
using CudaKernelFn = void (*)(const ConvGeometry&, const float*, const float*, float*,
                              kernels::cuda::ConvImpl);

void launch_cuda(ConvKind kind, ConvPass pass, const ConvGeometry& g, const float* a,
                 const float* b, float* out) {
  namespace kc = kernels::cuda;
  static const CudaKernelFn table[3][3] = {
      {kc::conv2d_forward, kc::conv2d_backward_input, kc::conv2d_backward_filter},
      {kc::depthwise_conv2d_forward, kc::depthwise_conv2d_backward_input,
       kc::depthwise_conv2d_backward_filter},
      {kc::pointwise_conv2d_forward, kc::pointwise_conv2d_backward_input,
       kc::pointwise_conv2d_backward_filter},
  };
  const kc::ConvImplSelection sel = kc::conv_impl_selection();
  const kc::ConvImpl impl = kind == ConvKind::Depthwise ? sel.depthwise : sel.pointwise;
  table[static_cast<int>(kind)][static_cast<int>(pass)](g, a, b, out, impl);
}
#endif

std::string shapes(const Tensor& x, const Tensor& w) {
  return ::tailor::detail::concat("input ", shape_str(x.shape()), " and weights ",
                                  shape_str(w.shape()));
}

}  // namespace

ConvKind dense_kind(const Tensor& w, int64_t stride) {
  const bool pointwise =
      w.defined() && w.dim() == 4 && w.size(0) == 1 && w.size(1) == 1 && stride == 1;
  return pointwise ? ConvKind::Pointwise : ConvKind::Dense;
}

// The one place a convolution meets a device: every pass of every kind goes through here.
void launch_conv(const char* op, ConvKind kind, ConvPass pass, const ConvGeometry& g,
                 const Tensor& a, const Tensor& b, Tensor& out) {
  const Device device = out.device();
  if (device.is_cpu()) {
    cpu_kernel(kind, pass)(g, a.data<float>(), b.data<float>(), out.data<float>());
    return;
  }
  require_cuda();
#ifdef TAILOR_WITH_CUDA
  launch_cuda(kind, pass, g, a.data<float>(), b.data<float>(), out.data<float>());
#else
  throw DeviceError(
      ::tailor::detail::concat(op, " on ", device.str(), ": this binary has no CUDA"));
#endif
}

Tensor conv_operand(const char* op, const char* what, const Tensor& t) {
  TAILOR_CHECK(t.defined(), ShapeError, op, ": ", what, " is undefined");
  TAILOR_CHECK(t.dtype() == DType::Float32, ShapeError, op, ": ", what, " ", shape_str(t.shape()),
               " is ", dtype_name(t.dtype()), ", expected float32");
  return t.contiguous();
}

ConvGeometry check_and_plan(const char* op, ConvKind kind, const Tensor& x, const Tensor& w,
                            int64_t stride, Padding padding) {
  TAILOR_CHECK(x.defined() && w.defined(), ShapeError, op, ": input or weights undefined");
  TAILOR_CHECK(x.dim() == 4, ShapeError, op, ": ", shapes(x, w), ": input must be 4-D NHWC");
  TAILOR_CHECK(w.dim() == 4, ShapeError, op, ": ", shapes(x, w),
               ": weights must be 4-D [kh,kw,in,out]");
  TAILOR_CHECK(x.device() == w.device(), ShapeError, op, ": ", shapes(x, w), ": input on ",
               x.device().str(), ", weights on ", w.device().str());
  const int64_t kh = w.size(0), kw = w.size(1), C = x.size(3);
  TAILOR_CHECK(C == w.size(2), ShapeError, op, ": ", shapes(x, w), ": in-channels ", C,
               " != ", w.size(2));
  TAILOR_CHECK(kh >= 1 && kw >= 1, ShapeError, op, ": ", shapes(x, w), ": empty kernel");
  TAILOR_CHECK(stride == 1 || stride == 2, ShapeError, op, ": ", shapes(x, w), ": stride ", stride,
               " is not supported (only 1 or 2)");
  if (kind == ConvKind::Depthwise)
    TAILOR_CHECK(w.size(3) == 1, ShapeError, op, ": ", shapes(x, w), ": channel multiplier ",
                 w.size(3), " is not supported (only 1)");
  if (kind == ConvKind::Pointwise)
    TAILOR_CHECK(kh == 1 && kw == 1, ShapeError, op, ": ", shapes(x, w),
                 ": pointwise weights must be 1x1");
  if (padding == Padding::Valid)
    TAILOR_CHECK(x.size(1) >= kh && x.size(2) >= kw, ShapeError, op, ": ", shapes(x, w),
                 ": kernel ", kh, "x", kw, " is larger than the input with VALID padding");
  const int64_t out_c = kind == ConvKind::Depthwise ? C : w.size(3);
  return kernels::make_conv_geometry(x.size(0), x.size(1), x.size(2), C, kh, kw, out_c, stride,
                                     padding);
}

void conv_forward_cpu(ConvKind kind, const ConvGeometry& g, const float* x, const float* w,
                      float* y, const kernels::cpu::Epilogue& ep) {
  namespace k = kernels::cpu;
  switch (kind) {
    case ConvKind::Dense:
      return k::conv2d_forward(g, x, w, y, ep);
    case ConvKind::Depthwise:
      return k::depthwise_conv2d_forward(g, x, w, y, ep);
    case ConvKind::Pointwise:
      return k::pointwise_conv2d_forward(g, x, w, y, ep);
  }
}

}  // namespace tailor::ops::detail
