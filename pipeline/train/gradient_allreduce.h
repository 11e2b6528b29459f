#pragma once
// Data-parallel training's gradient exchange: after each rank's backward pass, every
// trainable gradient becomes the mean over the ranks, so that the identical optimizer update
// on every rank keeps the weights identical. CPU gradients go through MPI_Allreduce in one
// flat bucket; CUDA gradients through NCCL (runtime/cuda/nccl.h) when Tailor was built with
// it, else through the host.
#include <memory>
#include <vector>

#include "engine/parameter_set.h"
#include "runtime/dist/communicator.h"

namespace tailor::pipeline {

class GradientAllreduce {
 public:
  explicit GradientAllreduce(dist::Communicator& comm);
  ~GradientAllreduce();
  // Averages the gradients in place; returns the seconds the exchange took.
  double apply(const ParameterSet& params);
  // Averages the non-trainable variables (batch norm's moving statistics, which each rank
  // updates from its own batch when batch norm trains), so that every rank keeps the same
  // model; a no-op on identical values (frozen batch norm).
  void average_statistics(const ParameterSet& params);

 private:
  dist::Communicator& comm_;
  std::vector<float> bucket_;
  struct Device;
  std::unique_ptr<Device> device_;  // NCCL, built on the first CUDA exchange
};

// A checksum of the weights (and batch norm statistics): equal on every rank while the ranks
// agree. Cheap enough to compare at each checkpoint.
double weights_checksum(const ParameterSet& params);

}  // namespace tailor::pipeline
