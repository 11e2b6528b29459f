#pragma once
// Template members of Tensor.
#include "runtime/error.h"

namespace tailor {

template <typename T>
T* Tensor::data() const {
  TAILOR_CHECK(defined(), UserError, "data() on an undefined tensor");
  TAILOR_CHECK(dtype() == dtype_of<T>(), UserError, "tensor is ", dtype_name(dtype()),
               ", accessed as ", dtype_name(dtype_of<T>()));
  return static_cast<T*>(raw_data());
}

}  // namespace tailor
