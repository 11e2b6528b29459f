#include "runtime/io/protobuf_wire.h"

#include <cstring>

#include "runtime/io/byte_reader.h"

namespace tailor::io {

void for_each_field(std::string_view message, const std::string& context,
                    const std::function<void(const WireField&)>& visit) {
  ByteReader in(message, context);
  while (!in.done()) {
    uint64_t tag = in.varint64("field tag");
    WireField f;
    f.number = static_cast<uint32_t>(tag >> 3);
    if (f.number == 0 || (tag >> 3) > 0x1fffffffu) in.fail("invalid field number ", tag >> 3);
    switch (tag & 7) {
      case 0:
        f.type = WireType::Varint;
        f.value = in.varint64("varint field");
        break;
      case 1:
        f.type = WireType::Fixed64;
        f.value = in.u64("fixed64 field");
        break;
      case 2: {
        f.type = WireType::LengthDelimited;
        uint64_t n = in.varint64("field length");
        if (n > in.remaining())
          in.fail("field ", f.number, " length ", n, " runs past the end (", in.remaining(),
                  " bytes left)");
        f.bytes = in.bytes(static_cast<size_t>(n), "length-delimited field");
        break;
      }
      case 5:
        f.type = WireType::Fixed32;
        f.value = in.u32("fixed32 field");
        break;
      default:
        in.fail("field ", f.number, " has unsupported wire type ", tag & 7);
    }
    visit(f);
  }
}

double WireField::as_double() const {
  double d;
  std::memcpy(&d, &value, 8);
  return d;
}

float WireField::as_float() const {
  const uint32_t bits = static_cast<uint32_t>(value);
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

void ProtoWriter::varint(uint64_t v) {
  while (v >= 0x80) {
    out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out_.push_back(static_cast<char>(v));
}

void ProtoWriter::varint_field(uint32_t field, uint64_t v) {
  tag(field, WireType::Varint);
  varint(v);
}

void ProtoWriter::double_field(uint32_t field, double v) {
  tag(field, WireType::Fixed64);
  char b[8];
  std::memcpy(b, &v, 8);
  out_.append(b, 8);
}

void ProtoWriter::float_field(uint32_t field, float v) {
  tag(field, WireType::Fixed32);
  char b[4];
  std::memcpy(b, &v, 4);
  out_.append(b, 4);
}

void ProtoWriter::bytes_field(uint32_t field, std::string_view bytes) {
  tag(field, WireType::LengthDelimited);
  varint(bytes.size());
  out_.append(bytes.data(), bytes.size());
}

}  // namespace tailor::io
