#pragma once
// Which implementation a CUDA convolution or GEMM runs on. Researchers compare them by name
// (config `conv_impl: {depthwise: ..., pointwise: ...}`, CLI `--conv-impl`). Header-only so a
// CPU-only build can still parse and validate configs that name them.
#include <string>
#include <vector>

#include "runtime/error.h"

namespace tailor::kernels::cuda {

enum class ConvImpl {
  Handwritten,  // Tailor's own kernels (kernels/cuda/*.cu)
  Cudnn,        // cudnnConvolution*; any convolution
  Cublas,       // cublasSgemm; pointwise (1x1) convolutions and GEMMs only
  Auto,         // times each available path once per shape and keeps the fastest
};

// The vocabulary, in one table: each implementation's name and what it can run.
struct ConvImplInfo {
  ConvImpl impl;
  const char* name;
  bool depthwise;  // depthwise has no GEMM form: cublas cannot run it
};

inline const std::vector<ConvImplInfo>& conv_impl_table() {
  static const std::vector<ConvImplInfo> table = {{ConvImpl::Handwritten, "handwritten", true},
                                                  {ConvImpl::Cublas, "cublas", false},
                                                  {ConvImpl::Cudnn, "cudnn", true},
                                                  {ConvImpl::Auto, "auto", true}};
  return table;
}

inline const char* conv_impl_name(ConvImpl impl) {
  for (const ConvImplInfo& i : conv_impl_table())
    if (i.impl == impl) return i.name;
  return "?";
}

// "handwritten, cudnn or auto": the names that can run depthwise (or any convolution).
inline std::string conv_impl_names(bool for_depthwise) {
  std::vector<std::string> names;
  for (const ConvImplInfo& i : conv_impl_table())
    if (i.depthwise || !for_depthwise) names.push_back(i.name);
  std::string s;
  for (size_t k = 0; k < names.size(); ++k)
    s += (k ? (k + 1 == names.size() ? " or " : ", ") : "") + names[k];
  return s;
}

// false for an unknown name.
inline bool find_conv_impl(const std::string& name, ConvImpl* out) {
  for (const ConvImplInfo& i : conv_impl_table())
    if (name == i.name) return *out = i.impl, true;
  return false;
}

// Parses a name; `what` names the field for the error message.
inline ConvImpl parse_conv_impl(const std::string& s, const std::string& what = "conv_impl") {
  ConvImpl impl;
  if (!find_conv_impl(s, &impl))
    throw UserError(what + ": unknown implementation '" + s + "' (expected " +
                    conv_impl_names(false) + ")");
  return impl;
}

inline bool depthwise_supports(ConvImpl impl) {
  for (const ConvImplInfo& i : conv_impl_table())
    if (i.impl == impl) return i.depthwise;
  return false;
}
inline bool pointwise_supports(ConvImpl) {
  return true;
}

// The process-wide choice the engine ops (engine/ops/conv.cpp) run CUDA convolutions with, set
// once at startup from model.ssd.conv_impl or `--conv-impl` (pipeline/build/).
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
                    conv_impl_name(s.depthwise) + " (expected " + conv_impl_names(true) + ")");
  conv_impl_selection_storage() = s;
}

}  // namespace tailor::kernels::cuda
