#pragma once
// Input checks shared by the op wrappers in engine/ops: every message names the op and the
// offending shapes, so a bad call surfaces as a ShapeError the CLI can report. Also the device
// dispatch: one kernel pointer per device with the same signature.
#include "engine/tensor.h"
#include "runtime/error.h"

#ifdef TAILOR_WITH_CUDA
#define TAILOR_CUDA_KERNEL(name) (&::tailor::kernels::cuda::name)
#else
#define TAILOR_CUDA_KERNEL(name) nullptr
#endif

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

// A defined float32 tensor on any device, packed: ops with a CUDA branch take this.
inline Tensor float_operand(const char* op, const char* what, const Tensor& t) {
  TAILOR_CHECK(t.defined(), ShapeError, op, ": ", what, " is undefined");
  TAILOR_CHECK(t.dtype() == DType::Float32, ShapeError, op, ": ", what, " ", shape_str(t.shape()),
               " is ", dtype_name(t.dtype()), ", expected float32");
  return t.contiguous();
}

// `b` must live where `a` does (no implicit copies between devices).
inline void same_device(const char* op, const Tensor& a, const Tensor& b) {
  TAILOR_CHECK(a.device() == b.device(), DeviceError, op, ": operands on ", a.device().str(),
               " and ", b.device().str(), "; move them to one device first");
}

template <typename T>
struct Identity {
  using type = T;
};

// The kernel for a device: `cpu` or `cuda` (TAILOR_CUDA_KERNEL(name), null in a CPU-only build,
// which then fails with "no CUDA device: ..." like every other CUDA request).
template <typename Fn>
Fn pick_kernel(const char* op, Device device, Fn cpu, typename Identity<Fn>::type cuda) {
  if (device.is_cpu()) return cpu;
  require_cuda();
  TAILOR_CHECK(cuda != nullptr, DeviceError, op, " on ", device.str(), ": no CUDA kernel");
  return cuda;
}

inline void same_shape(const char* op, const Tensor& a, const Tensor& b) {
  TAILOR_CHECK(a.shape() == b.shape(), ShapeError, op, ": shapes ", shape_str(a.shape()), " and ",
               shape_str(b.shape()), " differ");
}

inline Tensor empty_like(const Tensor& t) {
  return Tensor::empty(t.shape(), DType::Float32, t.device());
}

}  // namespace tailor::ops::detail
