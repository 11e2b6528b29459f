#pragma once
// The message of the UserError that `f` throws, or "no error", so tests can assert on what a
// user would read.
#include <string>

#include "runtime/error.h"

namespace tailor::testing {

template <typename F>
std::string user_error_of(F&& f) {
  try {
    f();
  } catch (const UserError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace tailor::testing
