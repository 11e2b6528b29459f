#pragma once
// Shape and indexing ops with autograd.
#include <vector>

#include "engine/tensor.h"

namespace tailor::ops {

Tensor reshape(const Tensor& x, const Shape& shape);  // one dim may be -1
// Concatenates along `axis` (negative counts from the end; -1 = channels for NHWC).
Tensor concat(const std::vector<Tensor>& xs, int64_t axis);
// Rows of a 2-D tensor: out[i,:] = x[index[i],:]. index is int32 [M]. Backward scatters-adds.
Tensor gather_rows(const Tensor& x, const Tensor& index);
// Inverse of gather_rows: out = zeros([rows, D]); out[index[i],:] += x[i,:].
Tensor scatter_add_rows(const Tensor& x, const Tensor& index, int64_t rows);

}  // namespace tailor::ops
