#include "kernels/cuda/cudnn_conv.h"

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "kernels/cuda/library_handles.h"
#include "kernels/cuda/tensor_layout.h"
#include "runtime/cuda/caching_allocator.h"
#include "runtime/cuda/stream.h"
#include "runtime/cuda/work_counts.h"
#include "runtime/error.h"

namespace tailor::kernels::cuda {

namespace {

constexpr size_t kWorkspaceLimit = size_t(1) << 30;

struct Plan {
  std::string what;
  int64_t extra_h = 0, extra_w = 0;  // explicit bottom/right padding
  cudnnTensorDescriptor_t x = nullptr, y = nullptr;
  cudnnFilterDescriptor_t w = nullptr;
  cudnnConvolutionDescriptor_t conv = nullptr;
  bool have_fwd = false, have_bwd_data = false, have_bwd_filter = false;
  cudnnConvolutionFwdAlgo_t fwd{};
  cudnnConvolutionBwdDataAlgo_t bwd_data{};
  cudnnConvolutionBwdFilterAlgo_t bwd_filter{};
  size_t fwd_ws = 0, bwd_data_ws = 0, bwd_filter_ws = 0;

  bool padded() const { return extra_h > 0 || extra_w > 0; }
};

int64_t extra_padding(int64_t in, int64_t k, int64_t stride, int64_t out, int64_t pad_before) {
  const int64_t needed = (out - 1) * stride + k - in - 2 * pad_before;
  return needed > 0 ? needed : 0;
}

Plan& plan_for(const ConvGeometry& g, bool depthwise, const char* kind) {
  static std::mutex m;
  static std::map<std::string, std::unique_ptr<Plan>> plans;  // descriptors live for the process
  const bool tf32 = allow_tf32();
  const std::string base = describe(depthwise ? "depthwise" : "conv2d", g);
  const std::string key = base + " p" + std::to_string(g.pad_top) + "," +
                          std::to_string(g.pad_left) + " o" + std::to_string(g.out_h) + "," +
                          std::to_string(g.out_w) + (tf32 ? " tf32" : "") + " dev" +
                          std::to_string(tailor::cuda::current_device());
  std::lock_guard<std::mutex> lk(m);
  auto& slot = plans[key];
  if (slot) return *slot;
  auto p = std::make_unique<Plan>();
  p->what = base;
  p->extra_h = extra_padding(g.in_h, g.kernel_h, g.stride, g.out_h, g.pad_top);
  p->extra_w = extra_padding(g.in_w, g.kernel_w, g.stride, g.out_w, g.pad_left);
  const std::string& what = p->what;
  const int groups = depthwise ? int(g.in_c) : 1;
  const int out_c = depthwise ? int(g.in_c) : int(g.out_c);
  TAILOR_CUDNN_CHECK(cudnnCreateTensorDescriptor(&p->x), what);
  TAILOR_CUDNN_CHECK(cudnnCreateTensorDescriptor(&p->y), what);
  TAILOR_CUDNN_CHECK(cudnnCreateFilterDescriptor(&p->w), what);
  TAILOR_CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&p->conv), what);
  TAILOR_CUDNN_CHECK(
      cudnnSetTensor4dDescriptor(p->x, CUDNN_TENSOR_NHWC, CUDNN_DATA_FLOAT, int(g.batch),
                                 int(g.in_c), int(g.in_h + p->extra_h), int(g.in_w + p->extra_w)),
      what);
  TAILOR_CUDNN_CHECK(cudnnSetTensor4dDescriptor(p->y, CUDNN_TENSOR_NHWC, CUDNN_DATA_FLOAT,
                                                int(g.batch), out_c, int(g.out_h), int(g.out_w)),
                     what);
  TAILOR_CUDNN_CHECK(
      cudnnSetFilter4dDescriptor(p->w, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NHWC, out_c,
                                 int(g.in_c) / groups, int(g.kernel_h), int(g.kernel_w)),
      what);
  TAILOR_CUDNN_CHECK(cudnnSetConvolution2dDescriptor(p->conv, int(g.pad_top), int(g.pad_left),
                                                     int(g.stride), int(g.stride), 1, 1,
                                                     CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT),
                     what);
  TAILOR_CUDNN_CHECK(cudnnSetConvolutionGroupCount(p->conv, groups), what);
  TAILOR_CUDNN_CHECK(
      cudnnSetConvolutionMathType(p->conv, tf32 ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH), what);
  int n = 0, c = 0, h = 0, w = 0;
  TAILOR_CUDNN_CHECK(cudnnGetConvolution2dForwardOutputDim(p->conv, p->x, p->w, &n, &c, &h, &w),
                     what);
  TAILOR_CHECK(h == g.out_h && w == g.out_w && c == out_c, ShapeError, "cudnn ", what, " (", kind,
               "): cuDNN output ", h, "x", w, "x", c, " differs from TF's ", g.out_h, "x", g.out_w,
               "x", out_c);
  slot = std::move(p);
  return *slot;
}

// First algorithm that succeeded within the workspace limit, from a perf list sorted fastest first.
template <typename Perf, typename Algo>
void pick(const Perf* perf, int count, const std::string& what, const char* call, Algo* algo,
          size_t* ws) {
  for (int i = 0; i < count; ++i) {
    if (perf[i].status == CUDNN_STATUS_SUCCESS && perf[i].memory <= kWorkspaceLimit) {
      *algo = perf[i].algo;
      *ws = perf[i].memory;
      return;
    }
  }
  throw DeviceError(std::string(call) + "(" + what + ") found no usable algorithm");
}

const float kOne = 1.f, kZero = 0.f;

// A KRSC copy of TF weights: HWIO [kh*kw*Cin, Cout] (depthwise [kh*kw, C]) transposed.
void to_krsc(const ConvGeometry& g, bool depthwise, const float* w, float* out) {
  const int64_t rows = g.kernel_h * g.kernel_w * (depthwise ? 1 : g.in_c);
  transpose2d(w, rows, depthwise ? g.in_c : g.out_c, out);
}

int64_t weight_numel(const ConvGeometry& g, bool depthwise) {
  return g.kernel_h * g.kernel_w * g.in_c * (depthwise ? 1 : g.out_c);
}

}  // namespace

void cudnn_conv2d_forward(const ConvGeometry& g, bool depthwise, const float* x, const float* w,
                          float* y) {
  if (g.output_numel() == 0) return;
  Plan& p = plan_for(g, depthwise, "forward");
  cudnnHandle_t h = cudnn_handle();
  using tailor::cuda::DeviceBuffer;
  DeviceBuffer xp;
  if (p.padded()) {
    xp.ensure(sizeof(float) * g.batch * (g.in_h + p.extra_h) * (g.in_w + p.extra_w) * g.in_c);
    pad_bottom_right(x, g.batch, g.in_h, g.in_w, g.in_c, p.extra_h, p.extra_w, xp.as<float>());
    x = xp.as<float>();
  }
  DeviceBuffer wk(sizeof(float) * weight_numel(g, depthwise));
  to_krsc(g, depthwise, w, wk.as<float>());
  if (!p.have_fwd) {
    cudnnConvolutionFwdAlgoPerf_t perf[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
    int count = 0;
    if (tailor::cuda::is_capturing(tailor::cuda::current_device())) {
      TAILOR_CUDNN_CHECK(
          cudnnGetConvolutionForwardAlgorithm_v7(h, p.x, p.w, p.conv, p.y,
                                                 CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &count, perf),
          p.what);
    } else {
      DeviceBuffer ws(kWorkspaceLimit / 4);
      TAILOR_CUDNN_CHECK(cudnnFindConvolutionForwardAlgorithmEx(
                             h, p.x, x, p.w, wk.as<float>(), p.conv, p.y, y,
                             CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &count, perf, ws.data(), ws.bytes()),
                         p.what);
    }
    pick(perf, count, p.what, "cudnnFindConvolutionForwardAlgorithmEx", &p.fwd, &p.fwd_ws);
    p.have_fwd = true;
  }
  DeviceBuffer ws(p.fwd_ws);
  tailor::cuda::count_library_call();
  TAILOR_CUDNN_CHECK(cudnnConvolutionForward(h, &kOne, p.x, x, p.w, wk.as<float>(), p.conv, p.fwd,
                                             ws.data(), p.fwd_ws, &kZero, p.y, y),
                     p.what);
}

void cudnn_conv2d_backward_input(const ConvGeometry& g, bool depthwise, const float* dy,
                                 const float* w, float* dx) {
  if (g.input_numel() == 0) return;
  Plan& p = plan_for(g, depthwise, "backward-data");
  cudnnHandle_t h = cudnn_handle();
  using tailor::cuda::DeviceBuffer;
  if (g.output_numel() == 0) {
    TAILOR_CUDA_CHECK(
        cudaMemsetAsync(dx, 0, sizeof(float) * g.input_numel(), tailor::cuda::current_stream()),
        p.what);
    return;
  }
  DeviceBuffer dxp;
  float* target = dx;
  if (p.padded()) {
    dxp.ensure(sizeof(float) * g.batch * (g.in_h + p.extra_h) * (g.in_w + p.extra_w) * g.in_c);
    target = dxp.as<float>();
  }
  DeviceBuffer wk(sizeof(float) * weight_numel(g, depthwise));
  to_krsc(g, depthwise, w, wk.as<float>());
  if (!p.have_bwd_data) {
    cudnnConvolutionBwdDataAlgoPerf_t perf[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
    int count = 0;
    if (tailor::cuda::is_capturing(tailor::cuda::current_device())) {
      TAILOR_CUDNN_CHECK(
          cudnnGetConvolutionBackwardDataAlgorithm_v7(
              h, p.w, p.y, p.conv, p.x, CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &count, perf),
          p.what);
    } else {
      DeviceBuffer ws(kWorkspaceLimit / 4);
      TAILOR_CUDNN_CHECK(
          cudnnFindConvolutionBackwardDataAlgorithmEx(h, p.w, wk.as<float>(), p.y, dy, p.conv, p.x,
                                                      target, CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT,
                                                      &count, perf, ws.data(), ws.bytes()),
          p.what);
    }
    pick(perf, count, p.what, "cudnnFindConvolutionBackwardDataAlgorithmEx", &p.bwd_data,
         &p.bwd_data_ws);
    p.have_bwd_data = true;
  }
  DeviceBuffer ws(p.bwd_data_ws);
  tailor::cuda::count_library_call();
  TAILOR_CUDNN_CHECK(
      cudnnConvolutionBackwardData(h, &kOne, p.w, wk.as<float>(), p.y, dy, p.conv, p.bwd_data,
                                   ws.data(), p.bwd_data_ws, &kZero, p.x, target),
      p.what);
  if (p.padded())
    crop_bottom_right(target, g.batch, g.in_h, g.in_w, g.in_c, p.extra_h, p.extra_w, dx);
}

void cudnn_conv2d_backward_filter(const ConvGeometry& g, bool depthwise, const float* x,
                                  const float* dy, float* dw) {
  Plan& p = plan_for(g, depthwise, "backward-filter");
  cudnnHandle_t h = cudnn_handle();
  using tailor::cuda::DeviceBuffer;
  const int64_t wn = weight_numel(g, depthwise);
  if (g.output_numel() == 0 || g.input_numel() == 0) {
    TAILOR_CUDA_CHECK(cudaMemsetAsync(dw, 0, sizeof(float) * wn, tailor::cuda::current_stream()),
                      p.what);
    return;
  }
  DeviceBuffer xp;
  if (p.padded()) {
    xp.ensure(sizeof(float) * g.batch * (g.in_h + p.extra_h) * (g.in_w + p.extra_w) * g.in_c);
    pad_bottom_right(x, g.batch, g.in_h, g.in_w, g.in_c, p.extra_h, p.extra_w, xp.as<float>());
    x = xp.as<float>();
  }
  DeviceBuffer dwk(sizeof(float) * wn);
  if (!p.have_bwd_filter) {
    cudnnConvolutionBwdFilterAlgoPerf_t perf[CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT];
    int count = 0;
    if (tailor::cuda::is_capturing(tailor::cuda::current_device())) {
      TAILOR_CUDNN_CHECK(
          cudnnGetConvolutionBackwardFilterAlgorithm_v7(
              h, p.x, p.y, p.conv, p.w, CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, &count, perf),
          p.what);
    } else {
      DeviceBuffer ws(kWorkspaceLimit / 4);
      TAILOR_CUDNN_CHECK(
          cudnnFindConvolutionBackwardFilterAlgorithmEx(
              h, p.x, x, p.y, dy, p.conv, p.w, dwk.as<float>(),
              CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, &count, perf, ws.data(), ws.bytes()),
          p.what);
    }
    pick(perf, count, p.what, "cudnnFindConvolutionBackwardFilterAlgorithmEx", &p.bwd_filter,
         &p.bwd_filter_ws);
    p.have_bwd_filter = true;
  }
  DeviceBuffer ws(p.bwd_filter_ws);
  tailor::cuda::count_library_call();
  TAILOR_CUDNN_CHECK(
      cudnnConvolutionBackwardFilter(h, &kOne, p.x, x, p.y, dy, p.conv, p.bwd_filter, ws.data(),
                                     p.bwd_filter_ws, &kZero, p.w, dwk.as<float>()),
      p.what);
  // KRSC [Cout, kh*kw*Cin] back to HWIO (depthwise: [C, kh*kw] back to [kh*kw, C]).
  const int64_t cols = g.kernel_h * g.kernel_w * (depthwise ? 1 : g.in_c);
  transpose2d(dwk.as<float>(), depthwise ? g.in_c : g.out_c, cols, dw);
}

}  // namespace tailor::kernels::cuda
