#pragma once
// Input checks shared by the op wrappers in engine/ops: every message names the op and the
// offending shapes, so a bad call surfaces as a ShapeError the CLI can report.
#include "engine/error.h"
#include "engine/tensor.h"

namespace tailor::ops::detail {

// A defined float32 tensor on the CPU, packed; `what` names the argument in errors.
inline Tensor cpu_float(const char* op, const char* what, const Tensor& t) {
  TAILOR_CHECK(t.defined(), ShapeError, op, ": ", what, " is undefined");
  TAILOR_CHECK(t.dtype() == DType::Float32, ShapeError, op, ": ", what, " ", shape_str(t.shape()),
               " is ", dtype_name(t.dtype()), ", expected float32");
  TAILOR_CHECK(t.device().is_cpu(), DeviceError, op, ": ", what, " is on ", t.device().str(),
               "; this op runs on the CPU only");
  return t.contiguous();
}

inline void same_shape(const char* op, const Tensor& a, const Tensor& b) {
  TAILOR_CHECK(a.shape() == b.shape(), ShapeError, op, ": shapes ", shape_str(a.shape()), " and ",
               shape_str(b.shape()), " differ");
}

inline Tensor empty_like(const Tensor& t) {
  return Tensor::empty(t.shape(), DType::Float32, t.device());
}

}  // namespace tailor::ops::detail
