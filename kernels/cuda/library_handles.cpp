#include "kernels/cuda/library_handles.h"

#include <atomic>
#include <map>
#include <mutex>

#include "runtime/cuda/stream.h"

namespace tailor::kernels::cuda {

namespace {

std::atomic<bool> g_tf32{false};

struct Handles {
  cudnnHandle_t cudnn = nullptr;
  cublasHandle_t cublas = nullptr;
  void* cublas_workspace = nullptr;
  bool cublas_tf32 = false;
};

// cuBLAS would otherwise allocate its workspace itself, which is not allowed while a graph is
// being captured; a fixed one makes every GEMM capturable.
constexpr size_t kCublasWorkspace = size_t(32) << 20;

Handles& handles_for(int device) {
  static std::mutex m;
  static std::map<int, Handles> all;  // never destroyed: handles outlive static tensors
  std::lock_guard<std::mutex> lk(m);
  return all[device];
}

}  // namespace

cudnnHandle_t cudnn_handle() {
  const int device = tailor::cuda::current_device();
  Handles& h = handles_for(device);
  if (!h.cudnn) {
    TAILOR_CUDNN_CHECK(cudnnCreate(&h.cudnn), "device " + std::to_string(device));
    TAILOR_CUDNN_CHECK(cudnnSetStream(h.cudnn, tailor::cuda::stream(device)),
                       "device " + std::to_string(device));
  }
  return h.cudnn;
}

cublasHandle_t cublas_handle() {
  const int device = tailor::cuda::current_device();
  Handles& h = handles_for(device);
  const std::string where = "device " + std::to_string(device);
  if (!h.cublas) {
    TAILOR_CUBLAS_CHECK(cublasCreate(&h.cublas), where);
    TAILOR_CUBLAS_CHECK(cublasSetStream(h.cublas, tailor::cuda::stream(device)), where);
    TAILOR_CUDA_CHECK(cudaMalloc(&h.cublas_workspace, kCublasWorkspace),
                      where + ", cuBLAS workspace");
    TAILOR_CUBLAS_CHECK(cublasSetWorkspace(h.cublas, h.cublas_workspace, kCublasWorkspace), where);
    TAILOR_CUBLAS_CHECK(cublasSetMathMode(h.cublas, CUBLAS_PEDANTIC_MATH), where);
    h.cublas_tf32 = false;
  }
  const bool tf32 = allow_tf32();
  if (tf32 != h.cublas_tf32) {
    TAILOR_CUBLAS_CHECK(
        cublasSetMathMode(h.cublas, tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_PEDANTIC_MATH),
        where);
    h.cublas_tf32 = tf32;
  }
  return h.cublas;
}

void set_allow_tf32(bool on) {
  g_tf32 = on;
}
bool allow_tf32() {
  return g_tf32;
}

const char* cublas_status_name(cublasStatus_t s) {
  switch (s) {
    case CUBLAS_STATUS_SUCCESS:
      return "CUBLAS_STATUS_SUCCESS";
    case CUBLAS_STATUS_NOT_INITIALIZED:
      return "CUBLAS_STATUS_NOT_INITIALIZED";
    case CUBLAS_STATUS_ALLOC_FAILED:
      return "CUBLAS_STATUS_ALLOC_FAILED";
    case CUBLAS_STATUS_INVALID_VALUE:
      return "CUBLAS_STATUS_INVALID_VALUE";
    case CUBLAS_STATUS_ARCH_MISMATCH:
      return "CUBLAS_STATUS_ARCH_MISMATCH";
    case CUBLAS_STATUS_MAPPING_ERROR:
      return "CUBLAS_STATUS_MAPPING_ERROR";
    case CUBLAS_STATUS_EXECUTION_FAILED:
      return "CUBLAS_STATUS_EXECUTION_FAILED";
    case CUBLAS_STATUS_INTERNAL_ERROR:
      return "CUBLAS_STATUS_INTERNAL_ERROR";
    case CUBLAS_STATUS_NOT_SUPPORTED:
      return "CUBLAS_STATUS_NOT_SUPPORTED";
    case CUBLAS_STATUS_LICENSE_ERROR:
      return "CUBLAS_STATUS_LICENSE_ERROR";
  }
  return "CUBLAS_STATUS_UNKNOWN";
}

std::string describe(const char* kind, const ConvGeometry& g) {
  std::string s = std::string(kind) + " [" + std::to_string(g.batch) + "," +
                  std::to_string(g.in_h) + "," + std::to_string(g.in_w) + "," +
                  std::to_string(g.in_c) + "] k" + std::to_string(g.kernel_h);
  if (g.kernel_w != g.kernel_h) s += "x" + std::to_string(g.kernel_w);
  s += " s" + std::to_string(g.stride);
  if (g.out_c != g.in_c) s += " -> " + std::to_string(g.out_c);
  return s;
}

std::string describe_gemm(bool trans_a, bool trans_b, long long M, long long N, long long K) {
  return "[" + std::to_string(M) + "," + std::to_string(N) + "," + std::to_string(K) + "] " +
         (trans_a ? "t" : "n") + (trans_b ? "t" : "n");
}

}  // namespace tailor::kernels::cuda
