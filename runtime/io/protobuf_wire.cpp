#include "runtime/io/protobuf_wire.h"

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

}  // namespace tailor::io
