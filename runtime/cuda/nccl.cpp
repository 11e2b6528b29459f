#include "runtime/cuda/nccl.h"

#include <cstring>
#include <string>

#include "runtime/cuda/cuda_check.h"
#include "runtime/cuda/stream.h"
#include "runtime/error.h"

namespace tailor::cuda {

namespace {

void nccl_check(ncclResult_t r, const char* what) {
  if (r != ncclSuccess) throw DeviceError(std::string(what) + " failed: " + ncclGetErrorString(r));
}

}  // namespace

NcclCommunicator::NcclCommunicator(dist::Communicator& mpi, int device) : device_(device) {
  ncclUniqueId id;
  std::string bytes;
  if (mpi.is_root()) {
    nccl_check(ncclGetUniqueId(&id), "ncclGetUniqueId");
    bytes.assign(reinterpret_cast<const char*>(&id), sizeof id);
  }
  mpi.broadcast(&bytes, 0);
  TAILOR_CHECK(bytes.size() == sizeof id, DeviceError, "NCCL: the unique id broadcast has ",
               bytes.size(), " bytes, not ", sizeof id);
  std::memcpy(&id, bytes.data(), sizeof id);
  TAILOR_CUDA_CHECK(cudaSetDevice(device_), "device " + std::to_string(device_));
  nccl_check(ncclCommInitRank(&comm_, mpi.size(), id, mpi.rank()), "ncclCommInitRank");
  TAILOR_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "NCCL stream");
  TAILOR_CUDA_CHECK(cudaEventCreateWithFlags(&ready_, cudaEventDisableTiming), "NCCL event");
  TAILOR_CUDA_CHECK(cudaEventCreateWithFlags(&done_, cudaEventDisableTiming), "NCCL event");
}

NcclCommunicator::~NcclCommunicator() {
  if (comm_) ncclCommDestroy(comm_);
  if (ready_) cudaEventDestroy(ready_);
  if (done_) cudaEventDestroy(done_);
  if (stream_) cudaStreamDestroy(stream_);
}

void NcclCommunicator::allreduce_mean(float* data, int64_t n) {
  if (!in_group_) {
    // The gradients are ready once Tailor's stream has run the backward pass.
    TAILOR_CUDA_CHECK(cudaEventRecord(ready_, stream(device_)), "NCCL ready event");
    TAILOR_CUDA_CHECK(cudaStreamWaitEvent(stream_, ready_, 0), "NCCL wait");
    nccl_check(ncclGroupStart(), "ncclGroupStart");
    in_group_ = true;
  }
  nccl_check(ncclAllReduce(data, data, static_cast<size_t>(n), ncclFloat, ncclAvg, comm_, stream_),
             "ncclAllReduce");
}

void NcclCommunicator::wait() {
  if (!in_group_) return;
  nccl_check(ncclGroupEnd(), "ncclGroupEnd");
  in_group_ = false;
  TAILOR_CUDA_CHECK(cudaEventRecord(done_, stream_), "NCCL done event");
  TAILOR_CUDA_CHECK(cudaStreamWaitEvent(stream(device_), done_, 0), "NCCL wait");
}

}  // namespace tailor::cuda
