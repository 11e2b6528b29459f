#pragma once
// cuDNN convolutions with Tailor's layouts: NHWC activations (CUDNN_TENSOR_NHWC descriptors) and
// TF weights (HWIO, or [kh,kw,C,1] when depthwise), which are transposed on the fly into cuDNN's
// KRSC filter layout (and dW back into HWIO). Weights change every step, so a cached copy would
// go stale: the transpose is a tiny kernel on the same stream instead. Depthwise is a grouped
// convolution with group count C. TF SAME padding that is larger at the bottom/right is made
// symmetric by padding the input explicitly. Descriptors and the algorithm are chosen once per
// shape (cudnnFind*AlgorithmEx, or the *_v7 heuristics while a graph is being captured) and
// cached; workspaces come from the caching allocator. TF32 math only when allow_tf32().
#include "kernels/conv_geometry.h"

namespace tailor::kernels::cuda {

void cudnn_conv2d_forward(const ConvGeometry& g, bool depthwise, const float* x, const float* w,
                          float* y);
void cudnn_conv2d_backward_input(const ConvGeometry& g, bool depthwise, const float* dy,
                                 const float* w, float* dx);
void cudnn_conv2d_backward_filter(const ConvGeometry& g, bool depthwise, const float* x,
                                  const float* dy, float* dw);

}  // namespace tailor::kernels::cuda
