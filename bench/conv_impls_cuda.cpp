// The CUDA implementations: Tailor's handwritten kernels, cuDNN and cuBLAS, each reached
// through the dispatch functions of kernels/cuda/*.h with an explicit ConvImpl. Operands are
// uploaded once per case; runs are timed with CUDA events on Tailor's stream.
#include "bench/conv_impls.h"
#include "runtime/device.h"

#ifdef TAILOR_WITH_CUDA
#include <cuda_runtime_api.h>

#include "kernels/cuda/conv2d.h"
#include "kernels/cuda/depthwise_conv.h"
#include "runtime/cuda/caching_allocator.h"
#include "runtime/cuda/cuda_check.h"
#include "runtime/cuda/stream.h"
#endif

namespace tailor::bench {

#ifdef TAILOR_WITH_CUDA
namespace {

namespace kc = kernels::cuda;

void run_cuda(const ConvCase& c, kc::ConvImpl impl, const float* a, const float* b, float* out) {
  if (c.kind == ConvKind::Depthwise) {
    switch (c.pass) {
      case ConvPass::Forward:
        return kc::depthwise_conv2d_forward(c.g, a, b, out, impl);
      case ConvPass::BackwardData:
        return kc::depthwise_conv2d_backward_input(c.g, a, b, out, impl);
      case ConvPass::BackwardFilter:
        return kc::depthwise_conv2d_backward_filter(c.g, a, b, out, impl);
    }
  }
  switch (c.pass) {
    case ConvPass::Forward:
      return kc::pointwise_conv2d_forward(c.g, a, b, out, impl);
    case ConvPass::BackwardData:
      return kc::pointwise_conv2d_backward_input(c.g, a, b, out, impl);
    case ConvPass::BackwardFilter:
      return kc::pointwise_conv2d_backward_filter(c.g, a, b, out, impl);
  }
}

class CudaPrepared : public PreparedConv {
 public:
  CudaPrepared(const ConvCase& c, kc::ConvImpl impl, const float* a, const float* b)
      : c_(c),
        impl_(impl),
        a_(sizeof(float) * c.a_numel()),
        b_(sizeof(float) * c.b_numel()),
        out_(sizeof(float) * c.out_numel()) {
    cudaStream_t s = cuda::current_stream();
    TAILOR_CUDA_CHECK(cudaMemcpyAsync(a_.data(), a, a_.bytes(), cudaMemcpyHostToDevice, s),
                      "bench upload");
    TAILOR_CUDA_CHECK(cudaMemcpyAsync(b_.data(), b, b_.bytes(), cudaMemcpyHostToDevice, s),
                      "bench upload");
    TAILOR_CUDA_CHECK(cudaStreamSynchronize(s), "bench upload");
  }
  void run() override { run_cuda(c_, impl_, a_.as<float>(), b_.as<float>(), out_.as<float>()); }
  std::vector<float> result() override {
    std::vector<float> host(static_cast<size_t>(c_.out_numel()));
    cudaStream_t s = cuda::current_stream();
    TAILOR_CUDA_CHECK(
        cudaMemcpyAsync(host.data(), out_.data(), out_.bytes(), cudaMemcpyDeviceToHost, s),
        "bench download");
    TAILOR_CUDA_CHECK(cudaStreamSynchronize(s), "bench download");
    return host;
  }
  Timing time(const TimingPlan& plan) override {
    cudaStream_t s = cuda::current_stream();
    for (int i = 0; i < plan.warmup; ++i) run();
    cudaEvent_t start, stop;
    TAILOR_CUDA_CHECK(cudaEventCreate(&start), "bench timing");
    TAILOR_CUDA_CHECK(cudaEventCreate(&stop), "bench timing");
    std::vector<double> ms;
    float total = 0;
    while (static_cast<int>(ms.size()) < plan.max_reps) {
      TAILOR_CUDA_CHECK(cudaEventRecord(start, s), "bench timing");
      run();
      TAILOR_CUDA_CHECK(cudaEventRecord(stop, s), "bench timing");
      TAILOR_CUDA_CHECK(cudaEventSynchronize(stop), "bench timing");
      float one = 0;
      TAILOR_CUDA_CHECK(cudaEventElapsedTime(&one, start, stop), "bench timing");
      ms.push_back(one);
      total += one;
      if (static_cast<int>(ms.size()) >= plan.min_reps && total >= 1e3 * plan.min_seconds) break;
    }
    cudaEventDestroy(start);
    cudaEventDestroy(stop);
    return median_of(std::move(ms));
  }

 private:
  ConvCase c_;
  kc::ConvImpl impl_;
  cuda::DeviceBuffer a_, b_, out_;
};

ConvImpl cuda_impl(const char* name, kc::ConvImpl impl) {
  return {name, "cuda",
          [impl](const ConvCase& c) {
            if (c.kind == ConvKind::Pointwise) return kc::pointwise_supports(impl);
            if (!kc::depthwise_supports(impl)) return false;
            return impl != kc::ConvImpl::Handwritten || kc::depthwise_handwritten_supports(c.g);
          },
          [impl](const ConvCase& c, const float* a, const float* b) {
            return std::make_unique<CudaPrepared>(c, impl, a, b);
          }};
}

}  // namespace
#endif

std::vector<ConvImpl> cuda_conv_impls(std::string* why_not) {
  std::string reason;
  if (!cuda_available(&reason)) {
    if (why_not) *why_not = "no CUDA device: " + reason;
    return {};
  }
#ifdef TAILOR_WITH_CUDA
  return {cuda_impl("cuda-handwritten", kc::ConvImpl::Handwritten),
          cuda_impl("cuda-cudnn", kc::ConvImpl::Cudnn),
          cuda_impl("cuda-cublas", kc::ConvImpl::Cublas)};
#else
  return {};
#endif
}

}  // namespace tailor::bench
