#include <string>

#include "engine/cuda/stream.h"
#include "engine/error.h"
#include "kernels/cuda/box_decode.h"
#include "kernels/cuda/library_handles.h"
#include "kernels/cuda/vec.cuh"

namespace tailor::kernels::cuda {

namespace {

__global__ void box_decode_kernel(int64_t total, int64_t num_anchors,
                                  const float4* __restrict__ codes,
                                  const float4* __restrict__ anchors, BoxScales s,
                                  float4* __restrict__ boxes) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total;
       i += int64_t(gridDim.x) * blockDim.x) {
    const float4 c = codes[i], a = anchors[i % num_anchors];
    const float ha = a.z - a.x, wa = a.w - a.y;
    const float yca = a.x + ha / 2, xca = a.y + wa / 2;
    const float h = expf(c.z / s.height) * ha, w = expf(c.w / s.width) * wa;
    const float yc = c.x / s.y * ha + yca, xc = c.y / s.x * wa + xca;
    boxes[i] = make_float4(yc - h / 2, xc - w / 2, yc + h / 2, xc + w / 2);
  }
}

}  // namespace

void box_decode(int64_t batches, int64_t num_anchors, const float* codes, const float* anchors,
                const BoxScales& scales, float* boxes) {
  const int64_t total = batches * num_anchors;
  if (total == 0) return;
  const std::string ctx = "[" + std::to_string(batches) + "," + std::to_string(num_anchors) + ",4]";
  TAILOR_CHECK(aligned16(codes) && aligned16(anchors) && aligned16(boxes), UsageError,
               "box_decode ", ctx, ": pointers must be 16-byte aligned");
  box_decode_kernel<<<grid_for(total), 256, 0, tailor::cuda::current_stream()>>>(
      total, num_anchors, reinterpret_cast<const float4*>(codes),
      reinterpret_cast<const float4*>(anchors), scales, reinterpret_cast<float4*>(boxes));
  TAILOR_CUDA_LAUNCH_CHECK("box_decode_kernel", ctx);
}

}  // namespace tailor::kernels::cuda
