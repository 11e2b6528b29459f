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

}  // namespace tailor::pipeline
