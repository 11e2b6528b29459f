// The CPU implementations: Tailor's kernels exactly as engine/ops/conv.cpp dispatches them, and
// OpenBLAS cblas_sgemm for the three GEMMs of a pointwise convolution.
#include <cstdlib>
#include <sstream>

#include "bench/conv_impls.h"
#include "kernels/cpu/conv2d.h"
#include "kernels/cpu/depthwise_conv.h"

#ifdef TAILOR_WITH_OPENBLAS
#include <cblas.h>
#endif

namespace tailor::bench {

namespace {

namespace k = kernels::cpu;
using KernelFn = void (*)(const kernels::ConvGeometry&, const float*, const float*, float*);

KernelFn tailor_kernel(const ConvCase& c) {
  static const KernelFn table[2][3] = {
      {k::depthwise_conv2d_forward, k::depthwise_conv2d_backward_input,
       k::depthwise_conv2d_backward_filter},
      {k::pointwise_conv2d_forward, k::pointwise_conv2d_backward_input,
       k::pointwise_conv2d_backward_filter},
  };
  return table[static_cast<int>(c.kind)][static_cast<int>(c.pass)];
}

// The operands stay the caller's (batch-32 inputs are hundreds of MB); the result is ours.
class CpuPrepared : public PreparedConv {
 public:
  CpuPrepared(const ConvCase& c, const float* a, const float* b,
              std::function<void(const ConvCase&, const float*, const float*, float*)> fn)
      : c_(c), a_(a), b_(b), out_(static_cast<size_t>(c.out_numel())), fn_(std::move(fn)) {}
  void run() override { fn_(c_, a_, b_, out_.data()); }
  std::vector<float> result() override { return out_; }
  Timing time(const TimingPlan& plan) override {
    return time_runs([this] { run(); }, plan);
  }

 private:
  ConvCase c_;
  const float *a_, *b_;  // the caller's operands, alive while this is
  std::vector<float> out_;
  std::function<void(const ConvCase&, const float*, const float*, float*)> fn_;
};

#ifdef TAILOR_WITH_OPENBLAS
// y = x W, dx = dy W^T, dW = x^T dy over M = N*H*W rows.
void openblas_pointwise(const ConvCase& c, const float* a, const float* b, float* out) {
  const int64_t M = c.g.batch * c.g.in_h * c.g.in_w, Ci = c.g.in_c, Co = c.g.out_c;
  switch (c.pass) {
    case ConvPass::Forward:
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, Co, Ci, 1.f, a, Ci, b, Co, 0.f, out,
                  Co);
      break;
    case ConvPass::BackwardData:
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, Ci, Co, 1.f, a, Co, b, Co, 0.f, out,
                  Ci);
      break;
    case ConvPass::BackwardFilter:
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Ci, Co, M, 1.f, a, Ci, b, Co, 0.f, out,
                  Co);
      break;
  }
}
#endif

}  // namespace

std::vector<ConvImpl> cpu_conv_impls() {
  std::vector<ConvImpl> impls;
  impls.push_back({"cpu", "cpu", [](const ConvCase&) { return true; },
                   [](const ConvCase& c, const float* a, const float* b) {
                     const KernelFn fn = tailor_kernel(c);
                     return std::make_unique<CpuPrepared>(
                         c, a, b,
                         [fn](const ConvCase& cc, const float* x, const float* y, float* z) {
                           fn(cc.g, x, y, z);
                         });
                   }});
#ifdef TAILOR_WITH_OPENBLAS
  impls.push_back({"cpu-openblas", "cpu",
                   [](const ConvCase& c) { return c.kind == ConvKind::Pointwise; },
                   [](const ConvCase& c, const float* a, const float* b) {
                     return std::make_unique<CpuPrepared>(c, a, b, openblas_pointwise);
                   }});
#endif
  return impls;
}

std::string library_impl_name(const std::string& device, ConvKind kind) {
  if (device == "cuda") return kind == ConvKind::Pointwise ? "cuda-cublas" : "cuda-cudnn";
#ifdef TAILOR_WITH_OPENBLAS
  if (kind == ConvKind::Pointwise) return "cpu-openblas";
#endif
  return "";
}

std::string openblas_description() {
#ifdef TAILOR_WITH_OPENBLAS
  const char* env = std::getenv("OPENBLAS_CORETYPE");
  std::ostringstream os;
  os << "OpenBLAS core " << openblas_get_corename() << ", " << openblas_get_num_threads()
     << " threads, OPENBLAS_CORETYPE=" << (env ? env : "(unset)");
  return os.str();
#else
  return "not built";
#endif
}

}  // namespace tailor::bench
