#pragma once
// Which implementation a CUDA convolution or GEMM runs on. Researchers compare them by name
// (config `conv_impl: {depthwise: ..., pointwise: ...}`, CLI `--conv-impl`). Header-only so a
// CPU-only build can still parse and validate configs that name them.
#include <string>

#include "runtime/error.h"

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

// The process-wide choice the engine ops (engine/ops/conv.cpp) run CUDA convolutions with, set
// once at startup from model.ssd.conv_impl or `--conv-impl` (pipeline/config/conv_impl.h).
// Dense convolutions (Conv2d_0 and the extra layers' 3x3) are im2col + the pointwise GEMM
// path, so they follow `pointwise` (cudnn and auto included).
struct ConvImplSelection {
  ConvImpl depthwise = ConvImpl::Auto;
  ConvImpl pointwise = ConvImpl::Auto;
};

inline ConvImplSelection& conv_impl_selection_storage() {
  static ConvImplSelection selection;
  return selection;
}
inline ConvImplSelection conv_impl_selection() {
  return conv_impl_selection_storage();
}
// Throws UserError when depthwise names an implementation it has no form for (cublas).
inline void set_conv_impl_selection(const ConvImplSelection& s) {
  if (!depthwise_supports(s.depthwise))
    throw UserError(std::string("conv_impl: depthwise cannot run on ") +
                    conv_impl_name(s.depthwise) + " (expected handwritten, cudnn or auto)");
  conv_impl_selection_storage() = s;
}

}  // namespace tailor::kernels::cuda
