#pragma once
// Who computes a bench case: Tailor's CPU kernels, OpenBLAS as the CPU library peer
// (pointwise only), and on CUDA builds with a device Tailor's handwritten kernels, cuDNN and
// cuBLAS. Each implementation copies the case's operands to its device once (prepare), then
// runs and times the pass there with its device's own clock.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bench/conv_cases.h"
#include "bench/timing.h"

namespace tailor::bench {

// One case ready to run on an implementation's device.
class PreparedConv {
 public:
  virtual ~PreparedConv() = default;
  virtual void run() = 0;
  // The result of the last run() as host floats (case.out_numel()).
  virtual std::vector<float> result() = 0;
  // Warm-up, then the median of the timed runs: steady_clock on the CPU, CUDA events on a GPU.
  virtual Timing time(const TimingPlan& plan) = 0;
};

struct ConvImpl {
  std::string name;    // "cpu", "cpu-openblas", "cuda-handwritten", "cuda-cudnn", "cuda-cublas"
  std::string device;  // "cpu" or "cuda"
  std::function<bool(const ConvCase&)> supports;
  // a, b: the host operands of the pass (x, w), (dy, w) or (x, dy); they must outlive the
  // prepared case (CPU implementations read them in place).
  std::function<std::unique_ptr<PreparedConv>(const ConvCase&, const float* a, const float* b)>
      prepare;
};

// Tailor's CPU kernels (every case) and, when built with OpenBLAS, cblas_sgemm (pointwise).
std::vector<ConvImpl> cpu_conv_impls();
// CUDA builds with a device: handwritten, cuDNN, cuBLAS (pointwise). Otherwise empty, and
// `why_not` says why ("not built with CUDA", "no CUDA device: ...").
std::vector<ConvImpl> cuda_conv_impls(std::string* why_not);

// The library path a case's timings are compared against on a device ("" when there is none:
// OpenBLAS has no depthwise convolution).
std::string library_impl_name(const std::string& device, ConvKind kind);

// OpenBLAS's core type and thread count, or "not built".
std::string openblas_description();

}  // namespace tailor::bench
