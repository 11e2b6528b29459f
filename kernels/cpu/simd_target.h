#pragma once
// Per-region ISA selection that both GCC and clang honour. The baseline build targets plain
// x86-64; a kernel's AVX2 and AVX-512 instantiations sit between TAILOR_TARGET_*_BEGIN and
// TAILOR_TARGET_END, and run only when CPUID says they can (simd_dispatch.h). GCC spells this
// `#pragma GCC target`, which clang ignores; clang applies a target attribute to every function
// declared in the region instead.
#if defined(__clang__)
#define TAILOR_TARGET_AVX512_BEGIN \
  _Pragma(                         \
      "clang attribute push(__attribute__((target(\"avx512f,avx512vl,avx512bw,avx2,fma\"))), \
apply_to = function)")
#define TAILOR_TARGET_AVX2_BEGIN \
  _Pragma("clang attribute push(__attribute__((target(\"avx2,fma\"))), apply_to = function)")
#define TAILOR_TARGET_END _Pragma("clang attribute pop")
// No FMA contraction in the files that ask for it: every ISA level must round like the scalar
// fallback and the reference loops.
#define TAILOR_FP_CONTRACT_OFF _Pragma("clang fp contract(off)")
// GCC only (see below): clang builds keep their defaults.
#define TAILOR_FP_NO_TRAPS
#else
#define TAILOR_TARGET_AVX512_BEGIN \
  _Pragma("GCC push_options") _Pragma("GCC target(\"avx512f,avx512vl,avx512bw,avx2,fma\")")
#define TAILOR_TARGET_AVX2_BEGIN _Pragma("GCC push_options") _Pragma("GCC target(\"avx2,fma\")")
#define TAILOR_TARGET_END _Pragma("GCC pop_options")
#define TAILOR_FP_CONTRACT_OFF _Pragma("GCC optimize(\"fp-contract=off\")")
// No floating-point traps, for files whose dispatched loops GCC would otherwise leave scalar: a
// select whose arms multiply or divide (it will not run them unconditionally, as they might
// raise a flag). The values are the same either way; nothing here reads the flags.
#define TAILOR_FP_NO_TRAPS _Pragma("GCC optimize(\"no-trapping-math\")")
#endif
