#include "pipeline/config/conv_impl.h"

#include <sstream>

#include "kernels/cuda/conv_impl.h"
#include "runtime/error.h"

namespace tailor::pipeline {

const char* to_string(DepthwiseImpl impl) {
  switch (impl) {
    case DepthwiseImpl::kHandwritten:
      return "handwritten";
    case DepthwiseImpl::kCudnn:
      return "cudnn";
    default:
      return "auto";
  }
}

const char* to_string(PointwiseImpl impl) {
  switch (impl) {
    case PointwiseImpl::kHandwritten:
      return "handwritten";
    case PointwiseImpl::kCublas:
      return "cublas";
    case PointwiseImpl::kCudnn:
      return "cudnn";
    default:
      return "auto";
  }
}

bool parse_depthwise_impl(const std::string& name, DepthwiseImpl* out) {
  for (DepthwiseImpl i : {DepthwiseImpl::kAuto, DepthwiseImpl::kHandwritten, DepthwiseImpl::kCudnn})
    if (name == to_string(i)) return *out = i, true;
  return false;
}

bool parse_pointwise_impl(const std::string& name, PointwiseImpl* out) {
  for (PointwiseImpl i : {PointwiseImpl::kAuto, PointwiseImpl::kHandwritten, PointwiseImpl::kCublas,
                          PointwiseImpl::kCudnn})
    if (name == to_string(i)) return *out = i, true;
  return false;
}

ConvImplConfig parse_conv_impl_option(const std::string& text, ConvImplConfig base) {
  std::istringstream parts(text);
  std::string part;
  while (std::getline(parts, part, ',')) {
    const size_t eq = part.find('=');
    const std::string key = part.substr(0, eq);
    const std::string value = eq == std::string::npos ? "" : part.substr(eq + 1);
    if (key == "depthwise" && parse_depthwise_impl(value, &base.depthwise)) continue;
    if (key == "pointwise" && parse_pointwise_impl(value, &base.pointwise)) continue;
    throw UsageError("--conv-impl: '" + part +
                     "' is not depthwise=handwritten|cudnn|auto or "
                     "pointwise=handwritten|cublas|cudnn|auto");
  }
  return base;
}

ConvImplConfig apply_conv_impl(const ConvImplConfig& c, const std::string& override_text) {
  namespace kc = kernels::cuda;
  const ConvImplConfig applied =
      override_text.empty() ? c : parse_conv_impl_option(override_text, c);
  kc::ConvImplSelection s;
  s.depthwise = kc::parse_conv_impl(to_string(applied.depthwise), "conv_impl.depthwise");
  s.pointwise = kc::parse_conv_impl(to_string(applied.pointwise), "conv_impl.pointwise");
  kc::set_conv_impl_selection(s);
  return applied;
}

}  // namespace tailor::pipeline
