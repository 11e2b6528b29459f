#include "pipeline/config/conv_impl.h"

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

}  // namespace tailor::pipeline
