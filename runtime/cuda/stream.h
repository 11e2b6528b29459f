#pragma once
// Tailor's one stream per device. Every kernel, copy and library call goes on it, so work is
// ordered without device-wide synchronisation and the caching allocator can hand a freed block
// to the next allocation at once (stream order guarantees the old users ran first). The stream
// is non-blocking: nothing on the legacy default stream orders against it by accident.
#include <cuda_runtime_api.h>

namespace tailor::cuda {

// The device the calling thread works on (cudaGetDevice), and Tailor's stream on it.
int current_device();
cudaStream_t stream(int device);
inline cudaStream_t current_stream() {
  return stream(current_device());
}

// Waits for everything queued on the device's stream (not the whole device).
void synchronize(int device);

// True while the device's stream is being captured into a CUDA graph: work that must not be
// captured (timing, host reads) checks this.
bool is_capturing(int device);

}  // namespace tailor::cuda
