#include "engine/optim/l2_regularizer.h"

#include "engine/ops/elementwise.h"
#include "engine/ops/losses.h"

namespace tailor::optim {

Tensor l2_regularization_loss(const ParameterSet& params, float scale) {
  Tensor total;
  for (const Parameter& p : params.all()) {
    if (!p.regularize) continue;
    Tensor term = ops::scale(ops::l2_loss(p.value), scale);
    total = total.defined() ? ops::add(total, term) : term;
  }
  return total.defined() ? total : Tensor::scalar(0.f);
}

}  // namespace tailor::optim
