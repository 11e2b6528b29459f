#include "engine/cuda/cuda_graph.h"

#include <string>

#include "engine/cuda/caching_allocator.h"
#include "engine/cuda/cuda_check.h"
#include "engine/cuda/stream.h"
#include "engine/device.h"
#include "engine/error.h"

namespace tailor::cuda {

CudaGraph::CudaGraph(int device) {
  require_cuda();
  device_ = device < 0 ? current_device() : device;
}

CudaGraph::~CudaGraph() {
  try {
    if (capturing_) abort_capture();
    reset();
  } catch (...) {
    // A destructor must not throw; a broken context has already been reported elsewhere.
  }
}

void CudaGraph::begin_capture() {
  TAILOR_CHECK(!capturing_, UsageError, "CudaGraph::begin_capture: already capturing");
  reset();
  pool_ = begin_graph_pool(device_);
  // Thread-local mode: other threads (data loading) may keep calling the runtime meanwhile.
  cudaError_t err = cudaStreamBeginCapture(stream(device_), cudaStreamCaptureModeThreadLocal);
  if (err != cudaSuccess) {
    end_graph_pool(device_);
    release_graph_pool(device_, pool_);
    pool_ = 0;
    throw_cuda_error("cudaStreamBeginCapture", "device " + std::to_string(device_), err);
  }
  capturing_ = true;
}

void CudaGraph::end_capture() {
  TAILOR_CHECK(capturing_, UsageError, "CudaGraph::end_capture without begin_capture");
  capturing_ = false;
  end_graph_pool(device_);
  TAILOR_CUDA_CHECK(cudaStreamEndCapture(stream(device_), &graph_),
                    "device " + std::to_string(device_));
  TAILOR_CUDA_CHECK(cudaGraphInstantiate(&exec_, graph_, 0), "device " + std::to_string(device_));
}

void CudaGraph::abort_capture() {
  if (!capturing_) return;
  capturing_ = false;
  end_graph_pool(device_);
  cudaGraph_t g = nullptr;
  cudaStreamEndCapture(stream(device_), &g);  // an invalidated capture still has to be ended
  if (g) cudaGraphDestroy(g);
  cudaGetLastError();
  reset();
}

void CudaGraph::replay() {
  TAILOR_CHECK(exec_ != nullptr, UsageError, "CudaGraph::replay before a successful capture");
  TAILOR_CUDA_CHECK(cudaGraphLaunch(exec_, stream(device_)), "device " + std::to_string(device_));
}

void CudaGraph::reset() {
  if (exec_) cudaGraphExecDestroy(exec_);
  if (graph_) cudaGraphDestroy(graph_);
  exec_ = nullptr;
  graph_ = nullptr;
  if (pool_) {
    // The graph may still be running: its pool's blocks must not be reused before it ends.
    cudaStreamSynchronize(stream(device_));
    release_graph_pool(device_, pool_);
    pool_ = 0;
  }
}

}  // namespace tailor::cuda
