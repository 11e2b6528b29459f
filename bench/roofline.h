#pragma once
// The machine's own limits, measured by the harness: streaming bandwidth (copy and triad over
// buffers far larger than the caches) and a large SGEMM. A case's roofline is
// min(peak GFLOP/s, bandwidth x arithmetic intensity); its % of roofline is what it reached of
// that. Measured once per device per process (the figures are cached); each figure is the
// fastest run, not the median: a limit is the best the machine did, and a neighbour process
// only ever slows a run down.
#include <string>

namespace tailor::bench {

struct Roofline {
  std::string device;        // "cpu" or "cuda"
  double copy_gbps = 0;      // bytes read + written per second
  double triad_gbps = 0;     // a = b + s*c; 0 where not measured
  double sgemm_gflops = 0;   // best SGEMM on the device (Tailor's or the library's)
  std::string sgemm_source;  // which GEMM and size gave it
  double bandwidth_gbps() const { return copy_gbps > triad_gbps ? copy_gbps : triad_gbps; }
  // The attainable GFLOP/s at this arithmetic intensity (flops per byte).
  double attainable_gflops(double flops_per_byte) const;
  // 100 * achieved / attainable for a case of `flops` over `bytes` taking `ms`.
  double percent(double flops, double bytes, double ms) const;
};

const Roofline& cpu_roofline();
// Requires a CUDA device (DeviceError otherwise).
const Roofline& cuda_roofline();

}  // namespace tailor::bench
