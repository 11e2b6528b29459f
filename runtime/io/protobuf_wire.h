#pragma once
// The protobuf wire format, written by hand (no libprotobuf), for every message Tailor reads or
// writes: TF checkpoint bundle headers and entries, tf.train.Example records, TensorBoard
// event files. Fields are visited in file order; unknown fields are skipped, as protobuf
// requires, so newer writers still parse.
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

  double as_double() const;  // a Fixed64 field's bits
  float as_float() const;    // a Fixed32 field's bits
};

// Calls visit(field) for every field of `message`. Throws UserError prefixed with `context` on
// malformed input (bad varint, a length past the end, groups, an unknown wire type).
void for_each_field(std::string_view message, const std::string& context,
                    const std::function<void(const WireField&)>& visit);

// Appends fields to a message (little-endian hosts only, like the rest of Tailor's formats).
class ProtoWriter {
 public:
  void varint_field(uint32_t field, uint64_t v);
  void double_field(uint32_t field, double v);               // Fixed64
  void float_field(uint32_t field, float v);                 // Fixed32
  void bytes_field(uint32_t field, std::string_view bytes);  // strings, messages, packed lists
  // A bare varint, for the body of a packed repeated field.
  void varint(uint64_t v);
  const std::string& bytes() const { return out_; }

 private:
  void tag(uint32_t field, WireType type) { varint(uint64_t(field) << 3 | uint64_t(type)); }
  std::string out_;
};

}  // namespace tailor::io
