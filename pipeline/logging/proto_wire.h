#pragma once
// The few pieces of the protobuf wire format that TensorBoard event files need, written by
// hand (no libprotobuf): varints, fixed32/64 and length-delimited fields, and a reader that
// walks a message's fields.
#include <cstdint>
#include <string>

namespace tailor::pipeline {

class ProtoWriter {
 public:
  void varint_field(int field, uint64_t v);
  void double_field(int field, double v);                 // wire type 1
  void float_field(int field, float v);                   // wire type 5
  void bytes_field(int field, const std::string& bytes);  // wire type 2 (strings, messages)
  const std::string& bytes() const { return out_; }

 private:
  void tag(int field, int wire_type) { varint(uint64_t(field) << 3 | wire_type); }
  void varint(uint64_t v);
  std::string out_;
};

struct ProtoField {
  int number = 0;
  int wire_type = 0;
  uint64_t varint = 0;  // wire type 0
  uint64_t fixed = 0;   // wire types 1 and 5 (raw bits)
  std::string bytes;    // wire type 2
  double as_double() const;
  float as_float() const;
};

// Reads fields in order; next() returns false at the end and throws UserError (naming
// `what`) on malformed input.
class ProtoReader {
 public:
  ProtoReader(const std::string& bytes, std::string what) : data_(bytes), what_(std::move(what)) {}
  bool next(ProtoField* f);

 private:
  uint64_t varint();
  const std::string& data_;
  std::string what_;
  size_t pos_ = 0;
};

}  // namespace tailor::pipeline
