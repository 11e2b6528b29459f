#include "runtime/cuda/stream.h"

#include <mutex>
#include <string>
#include <vector>

#include "runtime/cuda/cuda_check.h"
#include "runtime/device.h"

namespace tailor::cuda {

int current_device() {
  int d = 0;
  TAILOR_CUDA_CHECK(cudaGetDevice(&d), "current device");
  return d;
}

cudaStream_t stream(int device) {
  require_cuda();
  static std::mutex m;
  static std::vector<cudaStream_t> streams;  // never destroyed: outlives every tensor
  std::lock_guard<std::mutex> lk(m);
  if (device < 0) device = 0;
  if (static_cast<size_t>(device) >= streams.size()) streams.resize(device + 1, nullptr);
  if (!streams[device]) {
    int previous = 0;
    TAILOR_CUDA_CHECK(cudaGetDevice(&previous), "stream creation");
    TAILOR_CUDA_CHECK(cudaSetDevice(device), "device " + std::to_string(device));
    TAILOR_CUDA_CHECK(cudaStreamCreateWithFlags(&streams[device], cudaStreamNonBlocking),
                      "device " + std::to_string(device));
    TAILOR_CUDA_CHECK(cudaSetDevice(previous), "device " + std::to_string(previous));
  }
  return streams[device];
}

void synchronize(int device) {
  TAILOR_CUDA_CHECK(cudaStreamSynchronize(stream(device)),
                    "Tailor stream, device " + std::to_string(device));
  count_host_wait();
}

bool is_capturing(int device) {
  cudaStreamCaptureStatus status = cudaStreamCaptureStatusNone;
  TAILOR_CUDA_CHECK(cudaStreamIsCapturing(stream(device), &status),
                    "device " + std::to_string(device));
  return status != cudaStreamCaptureStatusNone;
}

}  // namespace tailor::cuda
