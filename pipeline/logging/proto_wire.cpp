#include "pipeline/logging/proto_wire.h"

#include <cstring>

#include "runtime/error.h"

namespace tailor::pipeline {

void ProtoWriter::varint(uint64_t v) {
  while (v >= 0x80) {
    out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out_.push_back(static_cast<char>(v));
}

void ProtoWriter::varint_field(int field, uint64_t v) {
  tag(field, 0);
  varint(v);
}

void ProtoWriter::double_field(int field, double v) {
  tag(field, 1);
  char b[8];
  std::memcpy(b, &v, 8);  // little-endian hosts only, like the rest of Tailor's file formats
  out_.append(b, 8);
}

void ProtoWriter::float_field(int field, float v) {
  tag(field, 5);
  char b[4];
  std::memcpy(b, &v, 4);
  out_.append(b, 4);
}

void ProtoWriter::bytes_field(int field, const std::string& bytes) {
  tag(field, 2);
  varint(bytes.size());
  out_ += bytes;
}

double ProtoField::as_double() const {
  double d;
  std::memcpy(&d, &fixed, 8);
  return d;
}

float ProtoField::as_float() const {
  const uint32_t bits = static_cast<uint32_t>(fixed);
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint64_t ProtoReader::varint() {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos_ >= data_.size()) throw UserError(what_ + ": truncated varint");
    const uint8_t b = static_cast<uint8_t>(data_[pos_++]);
    v |= uint64_t(b & 0x7f) << shift;
    if (!(b & 0x80)) return v;
  }
  throw UserError(what_ + ": varint longer than 10 bytes");
}

bool ProtoReader::next(ProtoField* f) {
  if (pos_ >= data_.size()) return false;
  const uint64_t key = varint();
  f->number = static_cast<int>(key >> 3);
  f->wire_type = static_cast<int>(key & 7);
  auto take = [&](size_t n) {
    if (data_.size() - pos_ < n)
      throw UserError(what_ + ": truncated field " + std::to_string(f->number));
    const size_t at = pos_;
    pos_ += n;
    return at;
  };
  switch (f->wire_type) {
    case 0:
      f->varint = varint();
      break;
    case 1:
      f->fixed = 0, std::memcpy(&f->fixed, data_.data() + take(8), 8);
      break;
    case 5:
      f->fixed = 0, std::memcpy(&f->fixed, data_.data() + take(4), 4);
      break;
    case 2: {
      const uint64_t n = varint();
      if (n > data_.size()) throw UserError(what_ + ": field length past the end");
      f->bytes = data_.substr(take(n), n);
      break;
    }
    default:
      throw UserError(what_ + ": unsupported wire type " + std::to_string(f->wire_type));
  }
  return true;
}

}  // namespace tailor::pipeline
