#include "kernels/cuda/autotune.h"

#include <cuda_runtime_api.h>

#include <limits>
#include <map>
#include <mutex>

#include "kernels/cuda/library_handles.h"
#include "runtime/cuda/cuda_check.h"
#include "runtime/cuda/stream.h"
#include "runtime/error.h"

namespace tailor::kernels::cuda {

namespace {

std::mutex g_mutex;
std::map<std::string, ConvImpl>& cache() {
  static std::map<std::string, ConvImpl> c;
  return c;
}

constexpr int kTimedRuns = 3;

// Mean milliseconds of kTimedRuns back-to-back runs, or +inf when the candidate throws.
float time_candidate(const Candidate& c, cudaStream_t s, const std::string& key) {
  try {
    c.second();  // warm-up
  } catch (const UserError&) {
    return std::numeric_limits<float>::infinity();
  }
  cudaEvent_t start, stop;
  TAILOR_CUDA_CHECK(cudaEventCreate(&start), "autotune " + key);
  TAILOR_CUDA_CHECK(cudaEventCreate(&stop), "autotune " + key);
  TAILOR_CUDA_CHECK(cudaEventRecord(start, s), "autotune " + key);
  for (int i = 0; i < kTimedRuns; ++i) c.second();
  TAILOR_CUDA_CHECK(cudaEventRecord(stop, s), "autotune " + key);
  TAILOR_CUDA_CHECK(cudaEventSynchronize(stop), "autotune " + key);
  float ms = 0.f;
  TAILOR_CUDA_CHECK(cudaEventElapsedTime(&ms, start, stop), "autotune " + key);
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  return ms / kTimedRuns;
}

}  // namespace

ConvImpl cached_choice(const std::string& key) {
  std::lock_guard<std::mutex> lk(g_mutex);
  auto it = cache().find(key);
  return it == cache().end() ? ConvImpl::Auto : it->second;
}

ConvImpl run_fastest(const std::string& key, const std::vector<Candidate>& candidates) {
  TAILOR_CHECK(!candidates.empty(), UsageError, "autotune ", key, ": no candidates");
  const ConvImpl known = cached_choice(key);
  if (known != ConvImpl::Auto) {
    for (const auto& c : candidates)
      if (c.first == known) {
        c.second();
        return known;
      }
  }
  const int device = tailor::cuda::current_device();
  if (tailor::cuda::is_capturing(device)) {
    candidates.front().second();
    return candidates.front().first;
  }
  cudaStream_t s = tailor::cuda::stream(device);
  float best_ms = std::numeric_limits<float>::infinity();
  size_t best = candidates.size();
  for (size_t i = 0; i < candidates.size(); ++i) {
    const float ms = time_candidate(candidates[i], s, key);
    if (ms < best_ms) {
      best_ms = ms;
      best = i;
    }
  }
  TAILOR_CHECK(best < candidates.size(), DeviceError, "autotune ", key,
               ": every implementation failed");
  {
    std::lock_guard<std::mutex> lk(g_mutex);
    cache()[key] = candidates[best].first;
  }
  candidates[best].second();  // the outputs must come from a completed run of the winner
  return candidates[best].first;
}

std::string conv_autotune_key(const char* op, const ConvGeometry& g) {
  return std::string(op) + " " + describe("", g) + " p" + std::to_string(g.pad_top) + "," +
         std::to_string(g.pad_left) + (allow_tf32() ? " tf32" : "");
}

void reject_conv_impl(const char* op, const ConvGeometry& g, ConvImpl impl) {
  throw UsageError(std::string(conv_impl_name(impl)) + " cannot run " + describe(op, g));
}

}  // namespace tailor::kernels::cuda
