#include "engine/dtype.h"

#include "runtime/error.h"

namespace tailor {

size_t dtype_size(DType t) {
  switch (t) {
    case DType::Float32:
      return 4;
    case DType::Int32:
      return 4;
    case DType::Int64:
      return 8;
    case DType::UInt8:
      return 1;
  }
  return 0;
}

const char* dtype_name(DType t) {
  switch (t) {
    case DType::Float32:
      return "float32";
    case DType::Int32:
      return "int32";
    case DType::Int64:
      return "int64";
    case DType::UInt8:
      return "uint8";
  }
  return "unknown";
}

DType dtype_from_name(const std::string& name) {
  for (DType t : {DType::Float32, DType::Int32, DType::Int64, DType::UInt8})
    if (name == dtype_name(t)) return t;
  throw UserError("unknown dtype '" + name + "' (expected float32, int32, int64 or uint8)");
}

}  // namespace tailor
