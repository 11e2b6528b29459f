#pragma once
// Captures work queued on Tailor's stream into a CUDA graph and replays it: a whole training
// step at fixed shapes becomes one launch. Between begin_capture() and end_capture() nothing
// runs; kernels are recorded. Replays read and write the very addresses that were captured, so
// the caller keeps the step's input and output tensors alive and refills the inputs in place;
// blocks allocated during capture stay reserved for this graph (engine/cuda/caching_allocator.h)
// until reset() or destruction.
#include <cuda_runtime_api.h>

namespace tailor::cuda {

class CudaGraph {
 public:
  explicit CudaGraph(int device = -1);  // -1: the current device
  ~CudaGraph();
  CudaGraph(const CudaGraph&) = delete;
  CudaGraph& operator=(const CudaGraph&) = delete;

  void begin_capture();
  // Ends the capture and instantiates the graph. If the captured work threw, call abort_capture().
  void end_capture();
  void abort_capture();
  // Launches the instantiated graph on Tailor's stream (asynchronous).
  void replay();
  bool ready() const { return exec_ != nullptr; }
  bool capturing() const { return capturing_; }
  // Drops the graph and gives its memory pool back to the general cache.
  void reset();

 private:
  int device_;
  int pool_ = 0;
  bool capturing_ = false;
  cudaGraph_t graph_ = nullptr;
  cudaGraphExec_t exec_ = nullptr;
};

}  // namespace tailor::cuda
