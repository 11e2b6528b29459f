#pragma once
// Which implementation a CUDA convolution or GEMM runs on. Researchers compare them by name
// (config `conv_impl: {depthwise: ..., pointwise: ...}`, CLI `--conv-impl`). Header-only so a
// CPU-only build can still parse and validate configs that name them.
#include <string>

#include "engine/error.h"

namespace tailor::kernels::cuda {

enum class ConvImpl {
  Handwritten,  // Tailor's own kernels (kernels/cuda/*.cu)
  Cudnn,        // cudnnConvolution*; any convolution
  Cublas,       // cublasSgemm; pointwise (1x1) convolutions and GEMMs only
  Auto,         // times each available path once per shape and keeps the fastest
};

inline const char* conv_impl_name(ConvImpl impl) {
  switch (impl) {
    case ConvImpl::Handwritten:
      return "handwritten";
    case ConvImpl::Cudnn:
      return "cudnn";
    case ConvImpl::Cublas:
      return "cublas";
    case ConvImpl::Auto:
      return "auto";
  }
  return "?";
}

// Parses handwritten|cudnn|cublas|auto; `what` names the field for the error message.
inline ConvImpl parse_conv_impl(const std::string& s, const std::string& what = "conv_impl") {
  if (s == "handwritten") return ConvImpl::Handwritten;
  if (s == "cudnn") return ConvImpl::Cudnn;
  if (s == "cublas") return ConvImpl::Cublas;
  if (s == "auto") return ConvImpl::Auto;
  throw UserError(what + ": unknown implementation '" + s +
                  "' (expected handwritten, cudnn, cublas or auto)");
}

// The implementations each convolution kind supports: depthwise has no GEMM form.
inline bool depthwise_supports(ConvImpl impl) {
  return impl != ConvImpl::Cublas;
}
inline bool pointwise_supports(ConvImpl) {
  return true;
}

}  // namespace tailor::kernels::cuda
