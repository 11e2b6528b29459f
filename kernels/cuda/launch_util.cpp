#include "kernels/cuda/launch_util.h"

#include <algorithm>
#include <map>
#include <mutex>

#include "runtime/cuda/cuda_check.h"
#include "runtime/cuda/stream.h"

namespace tailor::kernels::cuda {

int sm_count() {
  static std::mutex m;
  static std::map<int, int> counts;
  const int d = tailor::cuda::current_device();
  std::lock_guard<std::mutex> lk(m);
  auto it = counts.find(d);
  if (it != counts.end()) return it->second;
  int n = 0;
  TAILOR_CUDA_CHECK(cudaDeviceGetAttribute(&n, cudaDevAttrMultiProcessorCount, d), "SM count");
  counts[d] = n;
  return n;
}

int reduction_partitions(int64_t rows, int64_t channels) {
  const int64_t col_blocks = std::max<int64_t>(1, (channels + 31) / 32);
  int64_t p = std::max<int64_t>(1, 4 * sm_count() / col_blocks);
  p = std::min<int64_t>(p, std::max<int64_t>(1, rows / 8));
  return int(std::min<int64_t>(p, 1024));
}

}  // namespace tailor::kernels::cuda
