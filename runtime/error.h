#pragma once
// Tailor's error types. The CLI maps them to exit codes: UserError (bad input, with the file
// and field named) -> 1, UsageError (bad command line) -> 2, anything else -> internal bug (3).
#include <sstream>
#include <stdexcept>
#include <string>

namespace tailor {

// Bad input from the user: a file, a config field, a tensor shape passed to an op.
class UserError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Shapes or settings that an op does not accept. Messages name the op and the shapes.
class ShapeError : public UserError {
 public:
  using UserError::UserError;
};

// A malformed command line (unknown flag, missing argument).
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A device problem, e.g. `no CUDA device: <reason>`.
class DeviceError : public UserError {
 public:
  using UserError::UserError;
};

namespace detail {
template <typename... Args>
std::string concat(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}
}  // namespace detail

}  // namespace tailor

// TAILOR_CHECK(cond, ErrorType, parts...): throw ErrorType with the parts streamed together.
#define TAILOR_CHECK(cond, ErrorType, ...)                               \
  do {                                                                   \
    if (!(cond)) throw ErrorType(::tailor::detail::concat(__VA_ARGS__)); \
  } while (0)
