#pragma once
// The ISA level the hand-vectorized kernels (sgemm, depthwise and dense conv) run at. Normally
// simd_level(); tests pin a lower level with ScopedKernelSimdLevel so that one run on an
// AVX-512 machine checks the AVX2 and scalar code paths against the references too.
#include "runtime/cpu_features.h"

namespace tailor::kernels::cpu {

SimdLevel kernel_simd_level();

// One of three per-ISA values (a kernel's function, its tile size) for the level in use: each
// kernel file's dispatch, written once.
template <typename T>
T for_simd_level(T avx512, T avx2, T scalar) {
  switch (kernel_simd_level()) {
    case SimdLevel::Avx512:
      return avx512;
    case SimdLevel::Avx2:
      return avx2;
    default:
      return scalar;
  }
}

// Caps kernel_simd_level() at `level` (never above what the CPU supports) for its lifetime.
// Process-wide, for tests and benches; not to be used while kernels run on other threads.
class ScopedKernelSimdLevel {
 public:
  explicit ScopedKernelSimdLevel(SimdLevel level);
  ~ScopedKernelSimdLevel();
  ScopedKernelSimdLevel(const ScopedKernelSimdLevel&) = delete;
  ScopedKernelSimdLevel& operator=(const ScopedKernelSimdLevel&) = delete;

 private:
  int previous_;
};

}  // namespace tailor::kernels::cpu
