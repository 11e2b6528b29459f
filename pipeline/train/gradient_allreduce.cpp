#include "pipeline/train/gradient_allreduce.h"

#include <chrono>
#include <cstring>

#include "engine/autograd.h"
#include "runtime/device.h"
#include "runtime/error.h"
#include "runtime/io/crc32c.h"

#if defined(TAILOR_WITH_CUDA) && defined(TAILOR_WITH_NCCL)
#include "runtime/cuda/nccl.h"
#endif

namespace tailor::pipeline {

struct GradientAllreduce::Device {
#if defined(TAILOR_WITH_CUDA) && defined(TAILOR_WITH_NCCL)
  std::unique_ptr<cuda::NcclCommunicator> nccl;
#endif
};

GradientAllreduce::GradientAllreduce(dist::Communicator& comm)
    : comm_(comm), device_(std::make_unique<Device>()) {}
GradientAllreduce::~GradientAllreduce() = default;

double GradientAllreduce::apply(const ParameterSet& params) {
  const auto t0 = std::chrono::steady_clock::now();
  const int ranks = comm_.size();
  // Under mpirun even one rank exchanges (a 1-rank NCCL run checks that path on one GPU).
  if (ranks > 1 || comm_.backend() == "mpi") {
    std::vector<Tensor> grads;
    int64_t total = 0;
    for (const Parameter& p : params.all())
      if (p.trainable && p.value.grad().defined()) {
        grads.push_back(p.value.grad());
        total += grads.back().numel();
      }
    const float inv = 1.f / static_cast<float>(ranks);
    bool done = false;
#if defined(TAILOR_WITH_CUDA) && defined(TAILOR_WITH_NCCL)
    if (!grads.empty() && grads.front().device().is_cuda()) {
      if (!device_->nccl)
        device_->nccl =
            std::make_unique<cuda::NcclCommunicator>(comm_, grads.front().device().index);
      for (Tensor& g : grads) device_->nccl->allreduce_mean(g.data<float>(), g.numel());
      device_->nccl->wait();
      done = true;
    }
#endif
    if (!done && ranks > 1) {
      // One flat bucket: a single MPI_Allreduce for the whole model (a few MB).
      bucket_.resize(size_t(total));
      int64_t at = 0;
      for (const Tensor& g : grads) {
        const Tensor host = g.to(tailor::Device::cpu()).contiguous();
        std::memcpy(bucket_.data() + at, host.data<float>(), sizeof(float) * host.numel());
        at += host.numel();
      }
      comm_.allreduce_sum(bucket_.data(), total);
      for (float& v : bucket_) v *= inv;
      at = 0;
      for (Tensor& g : grads) {
        const Tensor mean = Tensor::from_vector(
            std::vector<float>(bucket_.begin() + at, bucket_.begin() + at + g.numel()), g.shape());
        g.copy_from(mean);
        at += g.numel();
      }
    }
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void GradientAllreduce::average_statistics(const ParameterSet& params) {
  if (comm_.size() == 1) return;
  NoGradGuard no_grad;
  std::vector<Tensor> stats;
  int64_t total = 0;
  for (const Parameter& p : params.all())
    if (!p.trainable && !p.frozen && p.value.dtype() == DType::Float32) {
      stats.push_back(p.value);
      total += p.value.numel();
    }
  bucket_.resize(size_t(total));
  int64_t at = 0;
  for (const Tensor& t : stats) {
    const Tensor host = t.to(tailor::Device::cpu()).contiguous();
    std::memcpy(bucket_.data() + at, host.data<float>(), sizeof(float) * host.numel());
    at += host.numel();
  }
  comm_.allreduce_sum(bucket_.data(), total);
  const float inv = 1.f / static_cast<float>(comm_.size());
  for (float& v : bucket_) v *= inv;
  at = 0;
  for (Tensor& t : stats) {
    t.copy_from(Tensor::from_vector(
        std::vector<float>(bucket_.begin() + at, bucket_.begin() + at + t.numel()), t.shape()));
    at += t.numel();
  }
}

double weights_checksum(const ParameterSet& params) {
  // CRC32C per tensor's bytes, combined in parameter order: any differing bit shows.
  double sum = 0;
  uint32_t index = 0;
  for (const Parameter& p : params.all()) {
    const Tensor host = p.value.to(tailor::Device::cpu()).contiguous();
    const uint32_t crc = io::crc32c(host.raw_data(), host.nbytes());
    sum += double(crc) * double(++index % 1021 + 1);
  }
  return sum;
}

}  // namespace tailor::pipeline
