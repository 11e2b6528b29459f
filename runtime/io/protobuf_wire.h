#pragma once
// Protobuf wire-format decoding, just enough for the TF messages Tailor reads (bundle header and
// entries, tensor shapes). Fields are visited in file order; unknown fields are skipped, as
// protobuf requires, so newer writers still parse.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace tailor::io {

enum class WireType : uint8_t { Varint = 0, Fixed64 = 1, LengthDelimited = 2, Fixed32 = 5 };

struct WireField {
  uint32_t number = 0;
  WireType type = WireType::Varint;
  uint64_t value = 0;      // Varint, Fixed64, Fixed32
  std::string_view bytes;  // LengthDelimited (a sub-message, string or packed field)
};

// Calls visit(field) for every field of `message`. Throws UserError prefixed with `context` on
// malformed input (bad varint, a length past the end, groups, an unknown wire type).
void for_each_field(std::string_view message, const std::string& context,
                    const std::function<void(const WireField&)>& visit);

}  // namespace tailor::io
