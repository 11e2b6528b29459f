#include "engine/ops/shape_ops.h"

#include "engine/autograd.h"
#include "engine/ops/op_support.h"
#include "kernels/cpu/copy_rows.h"
#ifdef TAILOR_WITH_CUDA
#include "kernels/cuda/copy_rows.h"
#endif

namespace tailor::ops {

namespace k = kernels::cpu;
using detail::float_operand;
using detail::pick_kernel;

Tensor reshape(const Tensor& x, const Shape& shape) {
  TAILOR_CHECK(x.defined(), ShapeError, "reshape: input is undefined");
  Tensor out;
  try {
    out = x.contiguous().view(shape);
  } catch (const ShapeError& e) {
    throw ShapeError(::tailor::detail::concat("reshape: cannot reshape ", shape_str(x.shape()),
                                              " to ", shape_str(shape), " (", e.what(), ")"));
  }
  Shape in_shape = x.shape();
  return record_op(out, "reshape", {x}, [in_shape](const Tensor& g, const std::vector<bool>&) {
    return std::vector<Tensor>{g.contiguous().view(in_shape)};
  });
}

namespace {
// Splits a shape around `axis`: outer = prod(shape[:axis]), inner = prod(shape[axis+1:]).
void around_axis(const Shape& s, int64_t axis, int64_t* outer, int64_t* inner) {
  *outer = 1;
  *inner = 1;
  for (int64_t i = 0; i < axis; ++i) *outer *= s[i];
  for (size_t i = axis + 1; i < s.size(); ++i) *inner *= s[i];
}
}  // namespace

Tensor concat(const std::vector<Tensor>& xs, int64_t axis) {
  TAILOR_CHECK(!xs.empty(), ShapeError, "concat: no inputs");
  std::vector<Tensor> packed;
  for (const Tensor& x : xs) packed.push_back(float_operand("concat", "input", x));
  for (const Tensor& x : xs) detail::same_device("concat", xs[0], x);
  const Shape& first = xs[0].shape();
  const int64_t rank = static_cast<int64_t>(first.size());
  const int64_t ax = axis < 0 ? axis + rank : axis;
  auto shapes = [&] {
    std::string s;
    for (const Tensor& x : xs) s += shape_str(x.shape());
    return s;
  };
  TAILOR_CHECK(ax >= 0 && ax < rank, ShapeError, "concat: axis ", axis, " out of range for ",
               shapes());
  Shape out_shape = first;
  out_shape[ax] = 0;
  for (const Tensor& x : xs) {
    bool ok = x.dim() == rank;
    for (int64_t d = 0; ok && d < rank; ++d) ok = d == ax || x.size(d) == first[d];
    TAILOR_CHECK(ok, ShapeError, "concat: shapes ", shapes(), " differ outside axis ", ax);
    out_shape[ax] += x.size(ax);
  }
  int64_t outer, inner;
  around_axis(out_shape, ax, &outer, &inner);
  const int64_t out_width = out_shape[ax] * inner;
  const Device device = xs[0].device();
  const auto copy_blocks =
      pick_kernel("concat", device, k::copy_blocks, TAILOR_CUDA_KERNEL(copy_blocks));
  Tensor out = Tensor::empty(out_shape, DType::Float32, device);
  std::vector<int64_t> widths, offsets;
  int64_t offset = 0;
  for (const Tensor& x : packed) {
    const int64_t w = x.size(ax) * inner;
    copy_blocks(outer, w, x.data<float>(), w, out.data<float>() + offset, out_width);
    widths.push_back(w);
    offsets.push_back(offset);
    offset += w;
  }
  std::vector<Shape> in_shapes;
  for (const Tensor& x : xs) in_shapes.push_back(x.shape());
  return record_op(out, "concat", xs, [=](const Tensor& g, const std::vector<bool>& needs) {
    Tensor gc = float_operand("concat backward", "grad", g);
    std::vector<Tensor> grads(in_shapes.size());
    for (size_t i = 0; i < grads.size(); ++i) {
      if (!needs[i]) continue;
      grads[i] = Tensor::empty(in_shapes[i], DType::Float32, gc.device());
      pick_kernel("concat backward", gc.device(), k::copy_blocks, TAILOR_CUDA_KERNEL(copy_blocks))(
          outer, widths[i], gc.data<float>() + offsets[i], out_width, grads[i].data<float>(),
          widths[i]);
    }
    return grads;
  });
}

namespace {
// Checks an int32 [M] index against `rows`; names the op, the position and the shapes.
Tensor checked_index(const char* op, const Tensor& index, int64_t rows, const Tensor& x) {
  TAILOR_CHECK(index.defined() && index.dtype() == DType::Int32 && index.dim() == 1, ShapeError, op,
               ": index must be int32 [M], got ",
               index.defined() ? dtype_name(index.dtype()) : "undefined", " ",
               index.defined() ? shape_str(index.shape()) : "");
  // Range-checked on the host (a device index is copied back once), then placed with x.
  Tensor ic = index.to(Device::cpu()).contiguous();
  const int32_t* p = ic.data<int32_t>();
  for (int64_t i = 0, m = ic.numel(); i < m; ++i)
    TAILOR_CHECK(p[i] >= 0 && p[i] < rows, ShapeError, op, ": index[", i, "] = ", p[i],
                 " is out of range for ", rows, " rows (x ", shape_str(x.shape()), ", index ",
                 shape_str(index.shape()), ")");
  return ic.to(x.device());
}
}  // namespace

Tensor gather_rows(const Tensor& x, const Tensor& index) {
  Tensor xc = float_operand("gather_rows", "x", x);
  TAILOR_CHECK(x.dim() == 2, ShapeError, "gather_rows: x must be 2-D, got ", shape_str(x.shape()));
  const int64_t rows = x.size(0), D = x.size(1);
  Tensor ic = checked_index("gather_rows", index, rows, x);
  const int64_t m = ic.numel();
  Tensor out = Tensor::empty({m, D}, DType::Float32, xc.device());
  pick_kernel("gather_rows", xc.device(), k::gather_rows, TAILOR_CUDA_KERNEL(gather_rows))(
      m, D, xc.data<float>(), ic.data<int32_t>(), out.data<float>());
  return record_op(out, "gather_rows", {x}, [ic, rows](const Tensor& g, const std::vector<bool>&) {
    return std::vector<Tensor>{scatter_add_rows(g, ic, rows)};
  });
}

Tensor scatter_add_rows(const Tensor& x, const Tensor& index, int64_t rows) {
  Tensor xc = float_operand("scatter_add_rows", "x", x);
  TAILOR_CHECK(x.dim() == 2, ShapeError, "scatter_add_rows: x must be 2-D, got ",
               shape_str(x.shape()));
  TAILOR_CHECK(rows >= 0, ShapeError, "scatter_add_rows: negative row count ", rows);
  Tensor ic = checked_index("scatter_add_rows", index, rows, x);
  TAILOR_CHECK(ic.numel() == x.size(0), ShapeError, "scatter_add_rows: index ",
               shape_str(index.shape()), " does not match the rows of x ", shape_str(x.shape()));
  const int64_t D = x.size(1);
  Tensor out = Tensor::zeros({rows, D}, DType::Float32, xc.device());
  pick_kernel("scatter_add_rows", xc.device(), k::scatter_add_rows,
              TAILOR_CUDA_KERNEL(scatter_add_rows))(ic.numel(), D, xc.data<float>(),
                                                    ic.data<int32_t>(), out.data<float>());
  return record_op(out, "scatter_add_rows", {x}, [ic](const Tensor& g, const std::vector<bool>&) {
    return std::vector<Tensor>{gather_rows(g, ic)};
  });
}

}  // namespace tailor::ops
