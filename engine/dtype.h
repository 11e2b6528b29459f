#pragma once
// Element types. Compute is float32; the integer types exist for data and checkpoints.
#include <cstddef>
#include <cstdint>
#include <string>

namespace tailor {

enum class DType : uint8_t { Float32, Int32, Int64, UInt8 };

size_t dtype_size(DType t);
// TF-style names: "float32", "int32", "int64", "uint8".
const char* dtype_name(DType t);
// Inverse of dtype_name; throws UserError for unknown names.
DType dtype_from_name(const std::string& name);

template <typename T>
constexpr DType dtype_of();
template <>
constexpr DType dtype_of<float>() {
  return DType::Float32;
}
template <>
constexpr DType dtype_of<int32_t>() {
  return DType::Int32;
}
template <>
constexpr DType dtype_of<int64_t>() {
  return DType::Int64;
}
template <>
constexpr DType dtype_of<uint8_t>() {
  return DType::UInt8;
}

}  // namespace tailor
