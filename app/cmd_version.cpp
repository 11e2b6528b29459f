// `tailor version`: what this binary was built with and what this machine offers.
#include <iostream>

#include "app/command.h"
#include "runtime/cpu_features.h"
#include "runtime/device.h"
#include "runtime/thread_pool.h"
#include "runtime/version.h"

#ifdef TAILOR_WITH_CUDA
#include <cublas_api.h>
#include <cuda_runtime_api.h>
#include <cudnn_version.h>
#endif

namespace {

void print_version() {
  using namespace tailor;
  const CpuFeatures& f = cpu_features();
  std::cout << "tailor " << tailor::tailor_version() << "\n";
#if defined(__clang__)
  std::cout << "compiler: clang " << __clang_major__ << "." << __clang_minor__ << "."
            << __clang_patchlevel__ << "\n";
#elif defined(__GNUC__)
  std::cout << "compiler: gcc " << __GNUC__ << "." << __GNUC_MINOR__ << "." << __GNUC_PATCHLEVEL__
            << "\n";
#endif
  std::cout << "cpu: " << cpu_brand() << ", " << num_threads() << " threads\n";
  std::cout << "cpu features: avx2=" << (f.avx2 ? "yes" : "no") << " fma=" << (f.fma ? "yes" : "no")
            << " avx512f=" << (f.avx512f ? "yes" : "no") << " (kernels use "
            << simd_level_name(simd_level()) << ")\n";
#ifdef TAILOR_WITH_CUDA
  std::cout << "CUDA: " << TAILOR_CUDA_VERSION << " (runtime headers " << CUDART_VERSION / 1000
            << "." << (CUDART_VERSION % 1000) / 10 << ")\n";
  std::cout << "cuDNN: " << CUDNN_MAJOR << "." << CUDNN_MINOR << "." << CUDNN_PATCHLEVEL << "\n";
  std::cout << "cuBLAS: " << CUBLAS_VER_MAJOR << "." << CUBLAS_VER_MINOR << "." << CUBLAS_VER_PATCH
            << "\n";
#else
  std::cout << "CUDA: not built\n";
#endif
  std::string reason;
  if (cuda_available(&reason))
    std::cout << "GPU: present\n";
  else
    std::cout << "GPU: none (" << reason << ")\n";
}

}  // namespace

TAILOR_COMMAND("version", "Print build and machine information",
               [](CLI::App& cmd) { cmd.callback(print_version); });
