// The implementation selector of conv2d.h: each entry point routes pointwise and dense
// convolutions to Tailor's GEMM (im2col for dense), cuBLAS or cuDNN by ConvImpl, and `auto`
// measures once per shape.
#include "kernels/cuda/conv2d.h"

#include <string>

#include "kernels/cuda/autotune.h"
#include "kernels/cuda/cudnn_conv.h"
#include "kernels/cuda/im2col.h"
#include "kernels/cuda/library_handles.h"
#include "kernels/cuda/sgemm.h"
#include "runtime/cuda/caching_allocator.h"
#include "runtime/error.h"

namespace tailor::kernels::cuda {

namespace {

void check_pointwise(const char* op, const ConvGeometry& g) {
  TAILOR_CHECK(is_pointwise(g), ShapeError, describe(op, g), " is not a 1x1 stride-1 convolution");
}

int64_t rows(const ConvGeometry& g) {
  return g.batch * g.in_h * g.in_w;
}

// Dense convolution by im2col + GEMM (Tailor's or cuBLAS's).
void im2col_forward(const ConvGeometry& g, const float* x, const float* w, float* y,
                    ConvImpl gemm) {
  const int64_t m = g.batch * g.out_h * g.out_w, k = g.kernel_h * g.kernel_w * g.in_c;
  tailor::cuda::DeviceBuffer col(sizeof(float) * m * k);
  im2col(g, x, col.as<float>());
  sgemm(false, false, m, g.out_c, k, 1.f, col.as<float>(), k, w, g.out_c, 0.f, y, g.out_c, gemm);
}

void im2col_backward_input(const ConvGeometry& g, const float* dy, const float* w, float* dx,
                           ConvImpl gemm) {
  const int64_t m = g.batch * g.out_h * g.out_w, k = g.kernel_h * g.kernel_w * g.in_c;
  tailor::cuda::DeviceBuffer col(sizeof(float) * m * k);
  sgemm(false, true, m, k, g.out_c, 1.f, dy, g.out_c, w, g.out_c, 0.f, col.as<float>(), k, gemm);
  col2im(g, col.as<float>(), dx);
}

void im2col_backward_filter(const ConvGeometry& g, const float* x, const float* dy, float* dw,
                            ConvImpl gemm) {
  const int64_t m = g.batch * g.out_h * g.out_w, k = g.kernel_h * g.kernel_w * g.in_c;
  tailor::cuda::DeviceBuffer col(sizeof(float) * m * k);
  im2col(g, x, col.as<float>());
  sgemm(true, false, k, g.out_c, m, 1.f, col.as<float>(), k, dy, g.out_c, 0.f, dw, g.out_c, gemm);
}

template <typename Hand, typename Blas, typename Lib>
void three_way(const char* op, const ConvGeometry& g, ConvImpl impl, Hand hand, Blas blas,
               Lib lib) {
  switch (impl) {
    case ConvImpl::Handwritten:
      return hand();
    case ConvImpl::Cublas:
      return blas();
    case ConvImpl::Cudnn:
      return lib();
    case ConvImpl::Auto:
      break;
  }
  run_fastest(conv_autotune_key(op, g),
              {{ConvImpl::Handwritten, hand}, {ConvImpl::Cublas, blas}, {ConvImpl::Cudnn, lib}});
}

}  // namespace

void pointwise_conv2d_forward(const ConvGeometry& g, const float* x, const float* w, float* y,
                              ConvImpl impl) {
  check_pointwise("pointwise forward", g);
  const int64_t m = rows(g);
  three_way(
      "pointwise forward", g, impl,
      [&] {
        sgemm_handwritten(false, false, m, g.out_c, g.in_c, 1.f, x, g.in_c, w, g.out_c, 0.f, y,
                          g.out_c);
      },
      [&] {
        sgemm_cublas(false, false, m, g.out_c, g.in_c, 1.f, x, g.in_c, w, g.out_c, 0.f, y, g.out_c);
      },
      [&] { cudnn_conv2d_forward(g, false, x, w, y); });
}

void pointwise_conv2d_backward_input(const ConvGeometry& g, const float* dy, const float* w,
                                     float* dx, ConvImpl impl) {
  check_pointwise("pointwise backward-data", g);
  const int64_t m = rows(g);
  three_way(
      "pointwise backward-data", g, impl,
      [&] {
        sgemm_handwritten(false, true, m, g.in_c, g.out_c, 1.f, dy, g.out_c, w, g.out_c, 0.f, dx,
                          g.in_c);
      },
      [&] {
        sgemm_cublas(false, true, m, g.in_c, g.out_c, 1.f, dy, g.out_c, w, g.out_c, 0.f, dx,
                     g.in_c);
      },
      [&] { cudnn_conv2d_backward_input(g, false, dy, w, dx); });
}

void pointwise_conv2d_backward_filter(const ConvGeometry& g, const float* x, const float* dy,
                                      float* dw, ConvImpl impl) {
  check_pointwise("pointwise backward-filter", g);
  const int64_t m = rows(g);
  three_way(
      "pointwise backward-filter", g, impl,
      [&] {
        sgemm_handwritten(true, false, g.in_c, g.out_c, m, 1.f, x, g.in_c, dy, g.out_c, 0.f, dw,
                          g.out_c);
      },
      [&] {
        sgemm_cublas(true, false, g.in_c, g.out_c, m, 1.f, x, g.in_c, dy, g.out_c, 0.f, dw,
                     g.out_c);
      },
      [&] { cudnn_conv2d_backward_filter(g, false, x, dy, dw); });
}

void conv2d_forward(const ConvGeometry& g, const float* x, const float* w, float* y,
                    ConvImpl impl) {
  if (is_pointwise(g)) return pointwise_conv2d_forward(g, x, w, y, impl);
  three_way(
      "conv2d forward", g, impl, [&] { im2col_forward(g, x, w, y, ConvImpl::Handwritten); },
      [&] { im2col_forward(g, x, w, y, ConvImpl::Cublas); },
      [&] { cudnn_conv2d_forward(g, false, x, w, y); });
}

void conv2d_backward_input(const ConvGeometry& g, const float* dy, const float* w, float* dx,
                           ConvImpl impl) {
  if (is_pointwise(g)) return pointwise_conv2d_backward_input(g, dy, w, dx, impl);
  three_way(
      "conv2d backward-data", g, impl,
      [&] { im2col_backward_input(g, dy, w, dx, ConvImpl::Handwritten); },
      [&] { im2col_backward_input(g, dy, w, dx, ConvImpl::Cublas); },
      [&] { cudnn_conv2d_backward_input(g, false, dy, w, dx); });
}

void conv2d_backward_filter(const ConvGeometry& g, const float* x, const float* dy, float* dw,
                            ConvImpl impl) {
  if (is_pointwise(g)) return pointwise_conv2d_backward_filter(g, x, dy, dw, impl);
  three_way(
      "conv2d backward-filter", g, impl,
      [&] { im2col_backward_filter(g, x, dy, dw, ConvImpl::Handwritten); },
      [&] { im2col_backward_filter(g, x, dy, dw, ConvImpl::Cublas); },
      [&] { cudnn_conv2d_backward_filter(g, false, x, dy, dw); });
}

}  // namespace tailor::kernels::cuda
