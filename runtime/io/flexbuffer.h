#pragma once
// FlexBuffers decoding, enough for TF Lite custom-op options: a root map of scalar values
// (ints, uints, floats, bools, strings). Written from the FlexBuffers format: the root's byte
// width and packed type sit in the last two bytes; maps store a keys vector, values of one byte
// width and a packed type byte per value. Every read is bounds-checked.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace tailor::io {

struct FlexValue {
  enum class Kind { Int, UInt, Float, Bool, String, Other } kind = Kind::Other;
  int64_t i = 0;
  double f = 0;
  std::string s;
  double as_double() const;  // numeric kinds and bools
};

// The root map of a FlexBuffer. Throws UserError prefixed with `context` when the root is not a
// map or anything lies out of bounds. Nested maps and vectors are returned as Kind::Other.
std::map<std::string, FlexValue> decode_flexbuffer_map(std::string_view buf,
                                                       const std::string& context);

}  // namespace tailor::io
