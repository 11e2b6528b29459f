#include "runtime/cuda/cuda_check.h"

#include "runtime/error.h"

namespace tailor::cuda {

std::string call_name(const char* expression) {
  std::string s(expression);
  size_t paren = s.find('(');
  return paren == std::string::npos ? s : s.substr(0, paren);
}

void throw_cuda_error(const char* expression, const std::string& context, cudaError_t err) {
  cudaGetLastError();  // clear a non-sticky error so the next call starts clean
  throw DeviceError(call_name(expression) + "(" + context + ") failed: " + cudaGetErrorName(err) +
                    ": " + cudaGetErrorString(err));
}

void throw_status_error(const char* expression, const std::string& context, const char* status) {
  throw DeviceError(call_name(expression) + "(" + context + ") failed: " + status);
}

}  // namespace tailor::cuda
