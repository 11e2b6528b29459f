#include "engine/ops/elementwise.h"

#include "engine/autograd.h"
#include "engine/ops/op_support.h"
#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/reduce.h"
#ifdef TAILOR_WITH_CUDA
#include "kernels/cuda/elementwise.h"
#include "kernels/cuda/reduce.h"
#endif

namespace tailor::ops {

namespace k = kernels::cpu;
using detail::empty_like;
using detail::float_operand;
using detail::pick_kernel;

namespace {
using BinaryKernel = void (*)(int64_t, const float*, const float*, float*);
using ScalarKernel = void (*)(int64_t, const float*, float, float*);
using UnaryKernel = void (*)(int64_t, const float*, float*);

Tensor binary(const char* op, BinaryKernel cpu, BinaryKernel cuda, const Tensor& a,
              const Tensor& b) {
  Tensor ac = float_operand(op, "a", a), bc = float_operand(op, "b", b);
  detail::same_shape(op, a, b);
  detail::same_device(op, a, b);
  Tensor out = empty_like(ac);
  pick_kernel(op, out.device(), cpu, cuda)(out.numel(), ac.data<float>(), bc.data<float>(),
                                           out.data<float>());
  return out;
}

Tensor unary_scalar(const char* op, ScalarKernel cpu, ScalarKernel cuda, const Tensor& x, float s) {
  Tensor xc = float_operand(op, "x", x);
  Tensor out = empty_like(xc);
  pick_kernel(op, out.device(), cpu, cuda)(out.numel(), xc.data<float>(), s, out.data<float>());
  return out;
}

Tensor unary(const char* op, UnaryKernel cpu, UnaryKernel cuda, const Tensor& xc) {
  Tensor out = empty_like(xc);
  pick_kernel(op, out.device(), cpu, cuda)(out.numel(), xc.data<float>(), out.data<float>());
  return out;
}

// dx = kernel(saved forward tensor, dy): the shape shared by relu6 and sigmoid backward.
Tensor unary_backward(const char* op, BinaryKernel cpu, BinaryKernel cuda, const Tensor& saved,
                      const Tensor& g) {
  Tensor gc = float_operand(op, "grad", g), dx = empty_like(saved);
  detail::same_device(op, saved, gc);
  pick_kernel(op, dx.device(), cpu, cuda)(dx.numel(), saved.data<float>(), gc.data<float>(),
                                          dx.data<float>());
  return dx;
}

#ifdef TAILOR_WITH_CUDA
// CUDA has no separate square kernel: x * x is the same single rounding.
void cuda_square(int64_t n, const float* x, float* y) {
  kernels::cuda::mul(n, x, x, y);
}
#define TAILOR_CUDA_SQUARE (&cuda_square)
#else
#define TAILOR_CUDA_SQUARE nullptr
#endif
}  // namespace

Tensor add(const Tensor& a, const Tensor& b) {
  Tensor out = binary("add", k::add, TAILOR_CUDA_KERNEL(add), a, b);
  return record_op(out, "add", {a, b}, [](const Tensor& g, const std::vector<bool>&) {
    return std::vector<Tensor>{g, g};
  });
}

Tensor sub(const Tensor& a, const Tensor& b) {
  Tensor out = binary("sub", k::sub, TAILOR_CUDA_KERNEL(sub), a, b);
  return record_op(out, "sub", {a, b}, [](const Tensor& g, const std::vector<bool>& needs) {
    return std::vector<Tensor>{g, needs[1] ? scale(g, -1.f) : Tensor()};
  });
}

Tensor mul(const Tensor& a, const Tensor& b) {
  Tensor out = binary("mul", k::mul, TAILOR_CUDA_KERNEL(mul), a, b);
  Tensor sa = a.detach(), sb = b.detach();
  return record_op(out, "mul", {a, b}, [sa, sb](const Tensor& g, const std::vector<bool>& needs) {
    return std::vector<Tensor>{needs[0] ? mul(g, sb) : Tensor(), needs[1] ? mul(g, sa) : Tensor()};
  });
}

Tensor scale(const Tensor& x, float s) {
  Tensor out = unary_scalar("scale", k::scale, TAILOR_CUDA_KERNEL(scale), x, s);
  return record_op(out, "scale", {x}, [s](const Tensor& g, const std::vector<bool>&) {
    return std::vector<Tensor>{scale(g, s)};
  });
}

Tensor add_scalar(const Tensor& x, float s) {
  Tensor out = unary_scalar("add_scalar", k::add_scalar, TAILOR_CUDA_KERNEL(add_scalar), x, s);
  return record_op(out, "add_scalar", {x}, [](const Tensor& g, const std::vector<bool>&) {
    return std::vector<Tensor>{g};
  });
}

Tensor square(const Tensor& x) {
  Tensor xc = float_operand("square", "x", x);
  Tensor out = unary("square", k::square, TAILOR_CUDA_SQUARE, xc);
  Tensor sx = xc.detach();
  return record_op(out, "square", {x}, [sx](const Tensor& g, const std::vector<bool>&) {
    const char* op = "square backward";
    Tensor gc = float_operand(op, "grad", g), dx = empty_like(sx);
    detail::same_device(op, sx, gc);
    // g * 2x computed as (g * x) * 2: doubling is exact, so this equals g * (2x).
    pick_kernel(op, dx.device(), k::mul, TAILOR_CUDA_KERNEL(mul))(
        dx.numel(), gc.data<float>(), sx.data<float>(), dx.data<float>());
    pick_kernel(op, dx.device(), k::scale, TAILOR_CUDA_KERNEL(scale))(dx.numel(), dx.data<float>(),
                                                                      2.f, dx.data<float>());
    return std::vector<Tensor>{dx};
  });
}

Tensor bias_add(const Tensor& x, const Tensor& b) {
  Tensor xc = float_operand("bias_add", "x", x), bc = float_operand("bias_add", "bias", b);
  TAILOR_CHECK(x.dim() >= 1 && b.dim() == 1 && b.size(0) == x.size(-1), ShapeError,
               "bias_add: bias ", shape_str(b.shape()), " does not match the last dimension of ",
               shape_str(x.shape()));
  detail::same_device("bias_add", x, b);
  const int64_t C = b.size(0), rows = C ? xc.numel() / C : 0;
  Tensor out = empty_like(xc);
  pick_kernel("bias_add", out.device(), k::bias_add, TAILOR_CUDA_KERNEL(bias_add))(
      rows, C, xc.data<float>(), bc.data<float>(), out.data<float>());
  return record_op(
      out, "bias_add", {x, b}, [rows, C](const Tensor& g, const std::vector<bool>& needs) {
        Tensor db;
        if (needs[1]) {
          Tensor gc = float_operand("bias_add backward", "grad", g);
          db = Tensor::empty({C}, DType::Float32, gc.device());
          pick_kernel("bias_add backward", gc.device(), k::sum_rows,
                      TAILOR_CUDA_KERNEL(column_sum))(rows, C, gc.data<float>(), db.data<float>());
        }
        return std::vector<Tensor>{g, db};
      });
}

Tensor relu6(const Tensor& x) {
  Tensor xc = float_operand("relu6", "x", x);
  Tensor out = unary("relu6", k::relu6, TAILOR_CUDA_KERNEL(relu6), xc);
  // The gradient mask is the same from the output (0 < y < 6 iff 0 < x < 6), so save the
  // output: x is then free to be released by its producer.
  Tensor sy = out.detach();
  return record_op(out, "relu6", {x}, [sy](const Tensor& g, const std::vector<bool>&) {
    return std::vector<Tensor>{unary_backward("relu6 backward", k::relu6_backward,
                                              TAILOR_CUDA_KERNEL(relu6_backward), sy, g)};
  });
}

Tensor sigmoid(const Tensor& x) {
  Tensor xc = float_operand("sigmoid", "x", x);
  Tensor out = unary("sigmoid", k::sigmoid, TAILOR_CUDA_KERNEL(sigmoid), xc);
  Tensor sy = out.detach();
  return record_op(out, "sigmoid", {x}, [sy](const Tensor& g, const std::vector<bool>&) {
    return std::vector<Tensor>{unary_backward("sigmoid backward", k::sigmoid_backward,
                                              TAILOR_CUDA_KERNEL(sigmoid_backward), sy, g)};
  });
}

}  // namespace tailor::ops
