#include "bench/roofline.h"

#include <algorithm>
#include <functional>
#include <memory>
#include <vector>

#include "bench/timing.h"
#include "kernels/cpu/sgemm.h"
#include "runtime/allocator.h"
#include "runtime/device.h"
#include "runtime/thread_pool.h"

#ifdef TAILOR_WITH_OPENBLAS
#include <cblas.h>
#endif
#ifdef TAILOR_WITH_CUDA
#include <cuda_runtime_api.h>

#include "kernels/cuda/sgemm.h"
#include "runtime/cuda/caching_allocator.h"
#include "runtime/cuda/cuda_check.h"
#include "runtime/cuda/stream.h"
#endif

namespace tailor::bench {

double Roofline::attainable_gflops(double flops_per_byte) const {
  return std::min(sgemm_gflops, bandwidth_gbps() * flops_per_byte);
}

double Roofline::percent(double flops, double bytes, double ms) const {
  const double achieved = flops / (ms * 1e6);
  const double roof = attainable_gflops(flops / bytes);
  return roof > 0 ? 100.0 * achieved / roof : 0.0;
}

namespace {

// A float buffer from the CPU allocator (64-byte aligned), first-touched by the pool's
// threads so pages spread as the bandwidth test will use them.
struct AlignedFloats {
  explicit AlignedFloats(int64_t n) : n(n) {
    p = static_cast<float*>(cpu_allocator().allocate(sizeof(float) * n));
    parallel_for(0, n, 1 << 16, [&](int64_t b, int64_t e) { std::fill(p + b, p + e, 1.f); });
  }
  ~AlignedFloats() { cpu_allocator().deallocate(p, sizeof(float) * n); }
  int64_t n;
  float* p;
};

Roofline measure_cpu() {
  Roofline r;
  r.device = "cpu";
  // 3 x 64 MiB: well beyond the last-level cache of the dev box (32 MiB per CCD).
  const int64_t n = int64_t(16) << 20;
  AlignedFloats a(n), b(n), c(n);
  const TimingPlan plan{2, 5, 20, 0.3};
  const Timing copy = time_runs(
      [&] {
        parallel_for(0, n, 1 << 16,
                     [&](int64_t s, int64_t e) { std::copy(b.p + s, b.p + e, a.p + s); });
      },
      plan);
  r.copy_gbps = 2.0 * 4 * n / (copy.min_ms * 1e6);
  const Timing triad = time_runs(
      [&] {
        parallel_for(0, n, 1 << 16, [&](int64_t s, int64_t e) {
          float* __restrict__ pa = a.p;
          const float* __restrict__ pb = b.p;
          const float* __restrict__ pc = c.p;
          for (int64_t i = s; i < e; ++i) pa[i] = pb[i] + 3.f * pc[i];
        });
      },
      plan);
  r.triad_gbps = 3.0 * 4 * n / (triad.min_ms * 1e6);

  const int64_t m = 2048;
  AlignedFloats A(m * m), B(m * m), C(m * m);
  const double flops = 2.0 * m * m * m;
  const TimingPlan gemm_plan{1, 3, 5, 0.2};
  const Timing ours = time_runs(
      [&] { kernels::cpu::sgemm(false, false, m, m, m, 1.f, A.p, m, B.p, m, 0.f, C.p, m); },
      gemm_plan);
  r.sgemm_gflops = flops / (ours.min_ms * 1e6);
  r.sgemm_source = "tailor sgemm 2048^3";
#ifdef TAILOR_WITH_OPENBLAS
  const Timing blas = time_runs(
      [&] {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, m, m, 1.f, A.p, m, B.p, m, 0.f,
                    C.p, m);
      },
      gemm_plan);
  if (flops / (blas.min_ms * 1e6) > r.sgemm_gflops) {
    r.sgemm_gflops = flops / (blas.min_ms * 1e6);
    r.sgemm_source = "OpenBLAS sgemm 2048^3";
  }
#endif
  return r;
}

#ifdef TAILOR_WITH_CUDA
// Times fn on Tailor's stream with CUDA events: the fastest of `reps` after one warm-up.
double cuda_fastest_ms(const std::function<void()>& fn, int reps) {
  cudaStream_t s = cuda::current_stream();
  fn();
  cudaEvent_t start, stop;
  TAILOR_CUDA_CHECK(cudaEventCreate(&start), "roofline");
  TAILOR_CUDA_CHECK(cudaEventCreate(&stop), "roofline");
  std::vector<double> ms;
  for (int i = 0; i < reps; ++i) {
    TAILOR_CUDA_CHECK(cudaEventRecord(start, s), "roofline");
    fn();
    TAILOR_CUDA_CHECK(cudaEventRecord(stop, s), "roofline");
    TAILOR_CUDA_CHECK(cudaEventSynchronize(stop), "roofline");
    float one = 0;
    TAILOR_CUDA_CHECK(cudaEventElapsedTime(&one, start, stop), "roofline");
    ms.push_back(one);
  }
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  return median_of(std::move(ms)).min_ms;
}

Roofline measure_cuda() {
  require_cuda();
  Roofline r;
  r.device = "cuda";
  const size_t bytes = size_t(1) << 30;  // 1 GiB each way, far beyond L2
  cuda::DeviceBuffer src(bytes), dst(bytes);
  cudaStream_t s = cuda::current_stream();
  TAILOR_CUDA_CHECK(cudaMemsetAsync(src.data(), 0, bytes, s), "roofline");
  const double copy_ms = cuda_fastest_ms(
      [&] {
        TAILOR_CUDA_CHECK(
            cudaMemcpyAsync(dst.data(), src.data(), bytes, cudaMemcpyDeviceToDevice, s),
            "roofline copy");
      },
      10);
  r.copy_gbps = 2.0 * bytes / (copy_ms * 1e6);

  const int64_t m = 8192;
  cuda::DeviceBuffer A(sizeof(float) * m * m), B(sizeof(float) * m * m), C(sizeof(float) * m * m);
  TAILOR_CUDA_CHECK(cudaMemsetAsync(A.data(), 0, A.bytes(), s), "roofline");
  TAILOR_CUDA_CHECK(cudaMemsetAsync(B.data(), 0, B.bytes(), s), "roofline");
  const double flops = 2.0 * m * m * m;
  const double cublas_ms = cuda_fastest_ms(
      [&] {
        kernels::cuda::sgemm_cublas(false, false, m, m, m, 1.f, A.as<float>(), m, B.as<float>(), m,
                                    0.f, C.as<float>(), m);
      },
      5);
  const double ours_ms = cuda_fastest_ms(
      [&] {
        kernels::cuda::sgemm_handwritten(false, false, m, m, m, 1.f, A.as<float>(), m,
                                         B.as<float>(), m, 0.f, C.as<float>(), m);
      },
      5);
  r.sgemm_gflops = flops / (std::min(cublas_ms, ours_ms) * 1e6);
  r.sgemm_source = cublas_ms <= ours_ms ? "cuBLAS sgemm 8192^3" : "Tailor sgemm 8192^3";
  return r;
}
#endif

}  // namespace

const Roofline& cpu_roofline() {
  static const Roofline r = measure_cpu();
  return r;
}

const Roofline& cuda_roofline() {
#ifdef TAILOR_WITH_CUDA
  static const Roofline r = measure_cuda();
  return r;
#else
  require_cuda();  // throws: not built with CUDA
  static const Roofline none;
  return none;
#endif
}

}  // namespace tailor::bench
