#pragma once
// `tailor bench kernels`: every distinct depthwise 3x3 and pointwise 1x1 shape of
// SSD-MobileNet-v1 (bench/conv_cases.h), forward and both backward passes, run by every
// implementation built and available on the device (bench/conv_impls.h), each result checked
// against the CPU reference (bench/conv_verify.h), then timed and set against the machine's
// measured roofline (bench/roofline.h) and the library path.
//
// Two lists crossed: cases (what to compute) and implementations (who computes it). A new
// pass, implementation or output extends a list, not the timing or verification code.
#include <iosfwd>
#include <string>
#include <vector>

#include "bench/conv_cases.h"
#include "bench/timing.h"

namespace tailor::bench {

struct KernelResult {
  ConvCase c;
  std::string impl;
  Timing timing;
  double max_abs_err = 0, max_rel_err = 0;
  int64_t checked = 0;  // elements compared with the reference
  bool verified = false;
  double roofline_pct = 0;
  double ratio_vs_library = -1;  // library time / this time (> 1: faster); < 0: no library
  double peer_ms = -1;           // PyTorch's time for the same case; < 0: not run
  double gflops() const { return c.flops() / (timing.median_ms * 1e6); }
  double gbps() const { return c.bytes() / (timing.median_ms * 1e6); }
};

struct KernelBenchOptions {
  std::string device = "cpu";      // "cpu" or "cuda"
  std::vector<std::string> impls;  // empty: every one available
  std::vector<float> depths{1.0f, 0.75f};
  std::vector<int> batches{1, 10, 32};
  std::vector<ConvPass> passes{ConvPass::Forward, ConvPass::BackwardData, ConvPass::BackwardFilter};
  bool quick = false;  // one shape per (op, pass), 3 timed runs
  std::string json_path, csv_path;
  std::string peer;  // "" or "pytorch"
};

struct KernelBenchReport {
  std::vector<KernelResult> results;
  std::vector<std::string> impls_run;  // the implementations that ran, in order
  std::vector<std::string> skipped;    // "cuda: skipped (no CUDA device: ...)" and the like
  bool all_verified = true;
};

// Every implementation name the harness knows, available here or not.
const std::vector<std::string>& known_kernel_impls();

// Runs the bench, printing the table to `out` as it goes and writing --json/--csv atomically.
// Throws UsageError for an unknown implementation name.
KernelBenchReport run_kernel_bench(const KernelBenchOptions& options, std::ostream& out);

}  // namespace tailor::bench
