#pragma once
// Which kernels run the convolutions (model.ssd.conv_impl). `auto` lets the engine pick the
// fastest available one for the device; the others force one, e.g. to compare them.
#include <string>

namespace tailor::pipeline {

enum class DepthwiseImpl { kAuto, kHandwritten, kCudnn };
enum class PointwiseImpl { kAuto, kHandwritten, kCublas, kCudnn };

struct ConvImplConfig {
  DepthwiseImpl depthwise = DepthwiseImpl::kAuto;
  PointwiseImpl pointwise = PointwiseImpl::kAuto;
};

const char* to_string(DepthwiseImpl impl);
const char* to_string(PointwiseImpl impl);
// Return false for an unknown name.
bool parse_depthwise_impl(const std::string& name, DepthwiseImpl* out);
bool parse_pointwise_impl(const std::string& name, PointwiseImpl* out);

// Applies a `--conv-impl` override, "depthwise=X,pointwise=Y" (either part may be left out), on
// top of `base`. Throws UsageError naming the bad part.
ConvImplConfig parse_conv_impl_option(const std::string& text, ConvImplConfig base);
// Makes `c` the process-wide choice of the CUDA engine ops (kernels/cuda/conv_impl.h); on a CPU
// run it only validates. `override_text`, when not empty, is a `--conv-impl` value applied first.
// Returns what was applied.
ConvImplConfig apply_conv_impl(const ConvImplConfig& c, const std::string& override_text = "");

}  // namespace tailor::pipeline
