#pragma once
// Counts of the work Tailor queues on its CUDA streams since the program started, so that a
// bench can say what a step costs beyond its arithmetic: each launch and each host wait costs
// microseconds whatever the kernel does, which is what bounds small-batch GPU steps.
//   launches       its own kernels (every <<<...>>> goes through TAILOR_CUDA_LAUNCH_CHECK)
//   library_calls  cuBLAS GEMMs and cuDNN convolutions, one each (a call may launch several)
//   copies         cudaMemcpyAsync / cudaMemsetAsync through the device copy functions
//   host_waits     stream synchronisations (device-to-host reads, explicit waits)
// Relaxed atomics: a count costs a few nanoseconds, and benches read it between steps.
#include <cstdint>

namespace tailor::cuda {

struct WorkCounts {
  int64_t launches = 0;
  int64_t library_calls = 0;
  int64_t copies = 0;
  int64_t host_waits = 0;
};

WorkCounts work_counts();
WorkCounts operator-(const WorkCounts& a, const WorkCounts& b);

void count_launch();
void count_library_call();
void count_copy();
void count_host_wait();

}  // namespace tailor::cuda
