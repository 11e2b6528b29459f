#pragma once
// Run-time CPU feature detection (CPUID), so one binary picks AVX-512 or AVX2 kernels on the
// machine it runs on and still runs on AVX2-only machines.
#include <string>

namespace tailor {

struct CpuFeatures {
  bool avx2 = false;
  bool fma = false;
  bool avx512f = false;
  bool avx512bw = false;
  bool avx512vl = false;
};

const CpuFeatures& cpu_features();

enum class SimdLevel { Scalar, Avx2, Avx512 };
// The widest level usable here. TAILOR_SIMD=scalar|avx2|avx512 caps it (for tests and benches).
SimdLevel simd_level();
const char* simd_level_name(SimdLevel level);
std::string cpu_brand();

}  // namespace tailor
