#pragma once
// NCCL for data-parallel training across GPUs, one rank per GPU, bootstrapped over MPI as
// llm.c does: rank 0 makes the unique id and MPI broadcasts it. Exchanges run on NCCL's own
// stream, ordered against Tailor's stream (runtime/cuda/stream.h) by events, so neither the
// host nor the kernels of other streams wait more than they must.
#include <cuda_runtime_api.h>
#include <nccl.h>

#include <cstdint>

#include "runtime/dist/communicator.h"

namespace tailor::cuda {

class NcclCommunicator {
 public:
  NcclCommunicator(dist::Communicator& mpi, int device);
  ~NcclCommunicator();
  NcclCommunicator(const NcclCommunicator&) = delete;
  NcclCommunicator& operator=(const NcclCommunicator&) = delete;

  // Queues data = the mean over the ranks (ncclAvg), in place, after everything queued so far
  // on Tailor's stream. Calls until wait() form one NCCL group.
  void allreduce_mean(float* data, int64_t n);
  // Makes Tailor's stream wait for the queued exchanges (the host does not block).
  void wait();

 private:
  int device_;
  ncclComm_t comm_ = nullptr;
  cudaStream_t stream_ = nullptr;
  cudaEvent_t ready_ = nullptr, done_ = nullptr;
  bool in_group_ = false;
};

}  // namespace tailor::cuda
