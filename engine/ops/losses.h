#pragma once
// Per-element losses with TF semantics and autograd; reduce and weight them with the other ops.
#include "engine/tensor.h"

namespace tailor::ops {

// TF sigmoid_cross_entropy_with_logits, elementwise and numerically stable:
//   max(x, 0) - x * z + log(1 + exp(-|x|)). Gradient flows to logits only.
Tensor sigmoid_cross_entropy_with_logits(const Tensor& logits, const Tensor& labels);

// Huber loss with delta 1 on (prediction - target), elementwise:
//   0.5 d^2 if |d| < 1 else |d| - 0.5. Gradient flows to prediction only.
Tensor smooth_l1(const Tensor& prediction, const Tensor& target);

// TF nn.l2_loss: sum(x^2) / 2, a scalar. Weight decay (TF's l2_regularizer(scale)) is
// scale * l2_loss(w); see engine/optim/l2_regularizer.h.
Tensor l2_loss(const Tensor& x);

}  // namespace tailor::ops
