#pragma once
// The plumbing that the convolution ops share (engine/ops/conv.cpp, conv_batch_norm.cpp): the
// shape checks that plan a convolution, and the one place where a convolution pass meets a
// device. Internal to engine/ops.
#include "engine/tensor.h"
#include "kernels/conv_geometry.h"
#include "kernels/cpu/epilogue.h"

namespace tailor::ops::detail {

using kernels::ConvGeometry;

enum class ConvKind { Dense, Depthwise, Pointwise };
enum class ConvPass { Forward, BackwardInput, BackwardFilter };

// The kind a dense kernel runs as: a 1x1 stride-1 kernel is exactly the pointwise GEMM (1x1
// SAME has no padding).
ConvKind dense_kind(const Tensor& w, int64_t stride);

// Checks x [N,H,W,C] against w [kh,kw,C_in,C_out or multiplier] and builds the geometry.
ConvGeometry check_and_plan(const char* op, ConvKind kind, const Tensor& x, const Tensor& w,
                            int64_t stride, kernels::Padding padding);

// A defined float32 tensor, packed; `what` names it in errors.
Tensor conv_operand(const char* op, const char* what, const Tensor& t);

// Runs one pass on out's device: (x, w) -> y, (dy, w) -> dx or (x, dy) -> dw.
void launch_conv(const char* op, ConvKind kind, ConvPass pass, const ConvGeometry& g,
                 const Tensor& a, const Tensor& b, Tensor& out);

// The CPU forward with the epilogue applied as each value is stored.
void conv_forward_cpu(ConvKind kind, const ConvGeometry& g, const float* x, const float* w,
                      float* y, const kernels::cpu::Epilogue& ep);

}  // namespace tailor::ops::detail
