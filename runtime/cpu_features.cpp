#include "runtime/cpu_features.h"

#include <cpuid.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

namespace tailor {

static bool os_saves_avx(uint64_t mask) {
  uint32_t lo, hi;
  __asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  uint64_t xcr0 = (static_cast<uint64_t>(hi) << 32) | lo;
  return (xcr0 & mask) == mask;
}

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = [] {
    CpuFeatures f;
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
    bool osxsave = c & bit_OSXSAVE;
    bool avx = (c & bit_AVX) && osxsave && os_saves_avx(0x6);
    f.fma = avx && (c & bit_FMA);
    if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
      f.avx2 = avx && (b & bit_AVX2);
      bool zmm = osxsave && os_saves_avx(0xE6);
      f.avx512f = zmm && (b & bit_AVX512F);
      f.avx512bw = zmm && (b & bit_AVX512BW);
      f.avx512vl = zmm && (b & bit_AVX512VL);
    }
    return f;
  }();
  return features;
}

SimdLevel simd_level() {
  static const SimdLevel level = [] {
    const CpuFeatures& f = cpu_features();
    SimdLevel best =
        f.avx512f ? SimdLevel::Avx512 : (f.avx2 && f.fma ? SimdLevel::Avx2 : SimdLevel::Scalar);
    const char* cap = std::getenv("TAILOR_SIMD");
    if (cap && std::strcmp(cap, "scalar") == 0) return SimdLevel::Scalar;
    if (cap && std::strcmp(cap, "avx2") == 0 && best == SimdLevel::Avx512) return SimdLevel::Avx2;
    return best;
  }();
  return level;
}

const char* simd_level_name(SimdLevel level) {
  switch (level) {
    case SimdLevel::Avx512:
      return "avx512";
    case SimdLevel::Avx2:
      return "avx2";
    default:
      return "scalar";
  }
}

std::string cpu_brand() {
  unsigned regs[12] = {};
  unsigned a, b, c, d;
  if (!__get_cpuid(0x80000000, &a, &b, &c, &d) || a < 0x80000004) return "unknown";
  for (unsigned i = 0; i < 3; ++i)
    __get_cpuid(0x80000002 + i, &regs[i * 4], &regs[i * 4 + 1], &regs[i * 4 + 2], &regs[i * 4 + 3]);
  std::string s(reinterpret_cast<char*>(regs), sizeof(regs));
  s = s.c_str();
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

}  // namespace tailor
