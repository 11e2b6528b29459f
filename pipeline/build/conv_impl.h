#pragma once
// Builds the process-wide choice of CUDA convolution kernels from model.ssd.conv_impl and a
// `--conv-impl depthwise=X,pointwise=Y` override (either part may be left out). The names are
// kernels/cuda/conv_impl.h's table.
#include <string>

#include "kernels/cuda/conv_impl.h"

namespace tailor::pipeline {

using ConvImplConfig = kernels::cuda::ConvImplSelection;

// `base` with the override applied. Throws UsageError naming the bad part.
ConvImplConfig parse_conv_impl_option(const std::string& text, ConvImplConfig base);

// Makes `c` (after the override, when not empty) the choice of the CUDA engine ops; on a CPU
// run it only validates. Returns what was applied.
ConvImplConfig apply_conv_impl(const ConvImplConfig& c, const std::string& override_text = "");

}  // namespace tailor::pipeline
