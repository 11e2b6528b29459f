#include <string>

#include "kernels/cuda/library_handles.h"
#include "kernels/cuda/losses.h"
#include "kernels/cuda/vec.cuh"
#include "runtime/cuda/stream.h"

namespace tailor::kernels::cuda {

namespace {

enum class Loss { SigmoidCe, SmoothL1 };

template <Loss L>
__global__ void loss_kernel(int64_t n, const float* __restrict__ a, const float* __restrict__ b,
                            const float* __restrict__ dloss, float* __restrict__ out) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    const float x = a[i], z = b[i];
    if (L == Loss::SigmoidCe) {
      if (dloss)
        out[i] = dloss[i] * (1.f / (1.f + expf(-x)) - z);
      else
        out[i] = fmaxf(x, 0.f) - x * z + log1pf(expf(-fabsf(x)));
    } else {
      const float d = x - z, ad = fabsf(d);
      if (dloss)
        out[i] = dloss[i] * (ad < 1.f ? d : (d > 0.f ? 1.f : -1.f));
      else
        out[i] = ad < 1.f ? 0.5f * d * d : ad - 0.5f;
    }
  }
}

template <Loss L>
void launch(const char* name, int64_t n, const float* a, const float* b, const float* dloss,
            float* out) {
  if (n == 0) return;
  loss_kernel<L><<<grid_for(n), 256, 0, tailor::cuda::current_stream()>>>(n, a, b, dloss, out);
  TAILOR_CUDA_LAUNCH_CHECK("loss_kernel", std::string(name) + " [" + std::to_string(n) + "]");
}

}  // namespace

void sigmoid_cross_entropy_forward(int64_t n, const float* logits, const float* labels,
                                   float* loss) {
  launch<Loss::SigmoidCe>("sigmoid_cross_entropy_forward", n, logits, labels, nullptr, loss);
}
void sigmoid_cross_entropy_backward(int64_t n, const float* logits, const float* labels,
                                    const float* dloss, float* dlogits) {
  launch<Loss::SigmoidCe>("sigmoid_cross_entropy_backward", n, logits, labels, dloss, dlogits);
}
void smooth_l1_forward(int64_t n, const float* prediction, const float* target, float* loss) {
  launch<Loss::SmoothL1>("smooth_l1_forward", n, prediction, target, nullptr, loss);
}
void smooth_l1_backward(int64_t n, const float* prediction, const float* target, const float* dloss,
                        float* dprediction) {
  launch<Loss::SmoothL1>("smooth_l1_backward", n, prediction, target, dloss, dprediction);
}

}  // namespace tailor::kernels::cuda
