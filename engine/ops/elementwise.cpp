#include "engine/ops/elementwise.h"

#include "engine/autograd.h"
#include "engine/ops/op_support.h"
#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/reduce.h"

namespace tailor::ops {

namespace k = kernels::cpu;
using detail::cpu_float;
using detail::empty_like;

namespace {
using BinaryKernel = void (*)(int64_t, const float*, const float*, float*);

Tensor binary(const char* op, BinaryKernel kernel, const Tensor& a, const Tensor& b) {
  Tensor ac = cpu_float(op, "a", a), bc = cpu_float(op, "b", b);
  detail::same_shape(op, a, b);
  Tensor out = empty_like(ac);
  kernel(out.numel(), ac.data<float>(), bc.data<float>(), out.data<float>());
  return out;
}

Tensor unary_scalar(const char* op, void (*kernel)(int64_t, const float*, float, float*),
                    const Tensor& x, float s) {
  Tensor xc = cpu_float(op, "x", x);
  Tensor out = empty_like(xc);
  kernel(out.numel(), xc.data<float>(), s, out.data<float>());
  return out;
}
}  // namespace

Tensor add(const Tensor& a, const Tensor& b) {
  Tensor out = binary("add", k::add, a, b);
  return record_op(out, "add", {a, b}, [](const Tensor& g, const std::vector<bool>&) {
    return std::vector<Tensor>{g, g};
  });
}

Tensor sub(const Tensor& a, const Tensor& b) {
  Tensor out = binary("sub", k::sub, a, b);
  return record_op(out, "sub", {a, b}, [](const Tensor& g, const std::vector<bool>& needs) {
    return std::vector<Tensor>{g, needs[1] ? scale(g, -1.f) : Tensor()};
  });
}

Tensor mul(const Tensor& a, const Tensor& b) {
  Tensor out = binary("mul", k::mul, a, b);
  Tensor sa = a.detach(), sb = b.detach();
  return record_op(out, "mul", {a, b}, [sa, sb](const Tensor& g, const std::vector<bool>& needs) {
    return std::vector<Tensor>{needs[0] ? mul(g, sb) : Tensor(), needs[1] ? mul(g, sa) : Tensor()};
  });
}

Tensor scale(const Tensor& x, float s) {
  Tensor out = unary_scalar("scale", k::scale, x, s);
  return record_op(out, "scale", {x}, [s](const Tensor& g, const std::vector<bool>&) {
    return std::vector<Tensor>{scale(g, s)};
  });
}

Tensor add_scalar(const Tensor& x, float s) {
  Tensor out = unary_scalar("add_scalar", k::add_scalar, x, s);
  return record_op(out, "add_scalar", {x}, [](const Tensor& g, const std::vector<bool>&) {
    return std::vector<Tensor>{g};
  });
}

Tensor square(const Tensor& x) {
  Tensor xc = cpu_float("square", "x", x);
  Tensor out = empty_like(xc);
  k::square(out.numel(), xc.data<float>(), out.data<float>());
  Tensor sx = xc.detach();
  return record_op(out, "square", {x}, [sx](const Tensor& g, const std::vector<bool>&) {
    Tensor gc = cpu_float("square backward", "grad", g), dx = empty_like(sx);
    // g * 2x computed as (g * x) * 2: doubling is exact, so this equals g * (2x).
    k::mul(dx.numel(), gc.data<float>(), sx.data<float>(), dx.data<float>());
    k::scale(dx.numel(), dx.data<float>(), 2.f, dx.data<float>());
    return std::vector<Tensor>{dx};
  });
}

Tensor bias_add(const Tensor& x, const Tensor& b) {
  Tensor xc = cpu_float("bias_add", "x", x), bc = cpu_float("bias_add", "bias", b);
  TAILOR_CHECK(x.dim() >= 1 && b.dim() == 1 && b.size(0) == x.size(-1), ShapeError,
               "bias_add: bias ", shape_str(b.shape()), " does not match the last dimension of ",
               shape_str(x.shape()));
  const int64_t C = b.size(0), rows = C ? xc.numel() / C : 0;
  Tensor out = empty_like(xc);
  k::bias_add(rows, C, xc.data<float>(), bc.data<float>(), out.data<float>());
  return record_op(out, "bias_add", {x, b},
                   [rows, C](const Tensor& g, const std::vector<bool>& needs) {
                     Tensor db;
                     if (needs[1]) {
                       Tensor gc = cpu_float("bias_add backward", "grad", g);
                       db = Tensor::empty({C});
                       k::sum_rows(rows, C, gc.data<float>(), db.data<float>());
                     }
                     return std::vector<Tensor>{g, db};
                   });
}

Tensor relu6(const Tensor& x) {
  Tensor xc = cpu_float("relu6", "x", x);
  Tensor out = empty_like(xc);
  k::relu6(out.numel(), xc.data<float>(), out.data<float>());
  // The gradient mask is the same from the output (0 < y < 6 iff 0 < x < 6), so save the
  // output: x is then free to be released by its producer.
  Tensor sy = out.detach();
  return record_op(out, "relu6", {x}, [sy](const Tensor& g, const std::vector<bool>&) {
    Tensor gc = cpu_float("relu6 backward", "grad", g), dx = empty_like(sy);
    k::relu6_backward(dx.numel(), sy.data<float>(), gc.data<float>(), dx.data<float>());
    return std::vector<Tensor>{dx};
  });
}

Tensor sigmoid(const Tensor& x) {
  Tensor xc = cpu_float("sigmoid", "x", x);
  Tensor out = empty_like(xc);
  k::sigmoid(out.numel(), xc.data<float>(), out.data<float>());
  Tensor sy = out.detach();
  return record_op(out, "sigmoid", {x}, [sy](const Tensor& g, const std::vector<bool>&) {
    Tensor gc = cpu_float("sigmoid backward", "grad", g), dx = empty_like(sy);
    k::sigmoid_backward(dx.numel(), sy.data<float>(), gc.data<float>(), dx.data<float>());
    return std::vector<Tensor>{dx};
  });
}

}  // namespace tailor::ops
