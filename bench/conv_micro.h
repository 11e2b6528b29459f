#pragma once
// Convolution micro-benchmark: every distinct depthwise 3x3 and pointwise 1x1 shape of
// SSD-MobileNet-v1 (taken from models/ssd_architecture, so it tracks the model), each run by
// every implementation that supports it, verified against the reference loop, then timed.
//
// The design is two lists crossed: cases (what to compute) and implementations (who computes
// it). New passes (backward), implementations (CUDA) and outputs (CSV, rooflines) extend the
// lists and the report without touching the timing or verification code.
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "kernels/conv_geometry.h"

namespace tailor::bench {

enum class ConvKind { Depthwise, Pointwise };
enum class ConvPass { Forward };

const char* conv_kind_name(ConvKind kind);

struct ConvCase {
  std::string layer;  // the first model layer with this shape, e.g. "Conv2d_1_depthwise"
  ConvKind kind = ConvKind::Pointwise;
  ConvPass pass = ConvPass::Forward;
  kernels::ConvGeometry g;

  double flops() const;  // 2 per multiply-accumulate
  double bytes() const;  // input + output + weights, float32
  int64_t weight_numel() const;
};

// Distinct shapes of the backbone's depthwise layers and all 1x1 convolutions (backbone
// pointwise and the extra layers' 1x1), at 300x300, depth multiplier 1.0, per batch size.
std::vector<ConvCase> ssd_mobilenet_conv_cases(const std::vector<int>& batches);

// One way to run a case. Buffers are host pointers; `run` computes the case's pass.
struct ConvImpl {
  std::string name;
  std::function<bool(const ConvCase&)> supports;
  std::function<void(const ConvCase&, const float* x, const float* w, float* y)> run;
};

// Tailor's CPU kernels, and OpenBLAS cblas_sgemm on pointwise shapes when built with it.
std::vector<ConvImpl> cpu_conv_impls();
// The implementation the others are compared against ("openblas" for pointwise), or "".
std::string baseline_impl_name(ConvKind kind);
// OpenBLAS's core type and thread count, or "not built".
std::string openblas_description();

struct Timing {
  double median_ms = 0, min_ms = 0;
  int reps = 0;
};

// Warm-up runs, then at least min_reps timed runs (and more until min_seconds have passed,
// up to max_reps); steady_clock.
Timing time_runs(const std::function<void()>& fn, int warmup, int min_reps, int max_reps,
                 double min_seconds);

struct ConvResult {
  const ConvCase* c = nullptr;
  std::string impl;
  Timing timing;
  double max_abs_err = 0;
  bool ok = false;  // within tolerance of the reference
  double gflops() const;
  double gbps() const;
};

struct KernelBenchOptions {
  std::vector<int> batches{1, 10};
  bool quick = false;
  std::string json_path;  // empty: no JSON
};

// Runs the benchmark, prints the table to `out`; returns false if any result mismatched.
bool run_kernel_bench(const KernelBenchOptions& options, std::ostream& out);

}  // namespace tailor::bench
