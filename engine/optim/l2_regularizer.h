#pragma once
// Weight decay as the TF OD API adds it: for every parameter flagged `regularize`,
// slim's l2_regularizer(scale)(w) = scale * tf.nn.l2_loss(w) = scale * sum(w^2) / 2, and the
// terms are summed in parameter order. A scalar with autograd; 0 when nothing is regularized.
#include "engine/parameter_set.h"

namespace tailor::optim {

Tensor l2_regularization_loss(const ParameterSet& params, float scale);

}  // namespace tailor::optim
