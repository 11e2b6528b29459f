#include "pipeline/build/conv_impl.h"

#include <sstream>

#include "runtime/error.h"

namespace tailor::pipeline {

namespace kc = kernels::cuda;

ConvImplConfig parse_conv_impl_option(const std::string& text, ConvImplConfig base) {
  std::istringstream parts(text);
  std::string part;
  while (std::getline(parts, part, ',')) {
    const size_t eq = part.find('=');
    const std::string key = part.substr(0, eq);
    const std::string value = eq == std::string::npos ? "" : part.substr(eq + 1);
    kc::ConvImpl impl;
    if (key == "depthwise" && kc::find_conv_impl(value, &impl) && kc::depthwise_supports(impl)) {
      base.depthwise = impl;
      continue;
    }
    if (key == "pointwise" && kc::find_conv_impl(value, &impl)) {
      base.pointwise = impl;
      continue;
    }
    throw UsageError("--conv-impl: '" + part + "' is not depthwise=" + kc::conv_impl_names(true) +
                     " or pointwise=" + kc::conv_impl_names(false));
  }
  return base;
}

ConvImplConfig apply_conv_impl(const ConvImplConfig& c, const std::string& override_text) {
  const ConvImplConfig applied =
      override_text.empty() ? c : parse_conv_impl_option(override_text, c);
  kc::set_conv_impl_selection(applied);
  return applied;
}

}  // namespace tailor::pipeline
