#pragma once
// Reductions with autograd.
#include "engine/tensor.h"

namespace tailor::ops {

Tensor sum(const Tensor& x);   // scalar (shape [])
Tensor mean(const Tensor& x);  // scalar
// Sum over the last dimension: [..., D] -> [...].
Tensor sum_last_dim(const Tensor& x);

}  // namespace tailor::ops
