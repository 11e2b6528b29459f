#pragma once
// Elementwise ops with autograd. Binary ops need equal shapes except where noted.
#include "engine/tensor.h"

namespace tailor::ops {

Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor scale(const Tensor& x, float s);
Tensor add_scalar(const Tensor& x, float s);
Tensor square(const Tensor& x);
// y = x + b, with b of shape [C] broadcast over the last dimension.
Tensor bias_add(const Tensor& x, const Tensor& b);
// min(max(x, 0), 6)
Tensor relu6(const Tensor& x);
Tensor sigmoid(const Tensor& x);

}  // namespace tailor::ops
