#pragma once
// `auto` implementation choice: the first time a key (op + shape) is seen, each candidate runs
// once to warm up (cuDNN picks its algorithm, caches fill), then a few times between CUDA
// events on Tailor's stream; the fastest is cached for the process. Candidates that throw
// (a library refusing a shape) are skipped. While a graph is being captured nothing can be
// timed: an unseen key then runs the first candidate, uncached.
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "kernels/conv_geometry.h"
#include "kernels/cuda/conv_impl.h"

namespace tailor::kernels::cuda {

using Candidate = std::pair<ConvImpl, std::function<void()>>;

// Runs the chosen candidate (so the outputs are written) and returns which one it was.
ConvImpl run_fastest(const std::string& key, const std::vector<Candidate>& candidates);

// The cached choice for a key, or Auto when it has not been measured yet.
ConvImpl cached_choice(const std::string& key);

// A convolution's key: the op, its shape and padding, and whether TF32 is on.
std::string conv_autotune_key(const char* op, const ConvGeometry& g);

// Throws UsageError: `impl` has no form for this convolution.
[[noreturn]] void reject_conv_impl(const char* op, const ConvGeometry& g, ConvImpl impl);

}  // namespace tailor::kernels::cuda
