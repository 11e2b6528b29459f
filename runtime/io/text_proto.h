#pragma once
// A parser for the protobuf text format (what TF Object Detection API pipeline.config and
// label_map.pbtxt files are written in), without a schema: messages `name { ... }` (or
// `name: { ... }`, `name < ... >`), scalar fields `name: value` with numbers, identifiers
// (enums, true/false) or quoted strings (C escapes, adjacent strings concatenated), list
// syntax `name: [a, b]`, optional `;`/`,` separators and `#` comments. Repeated fields are
// kept in order. Errors are UserErrors with FILE:LINE.
#include <memory>
#include <string>
#include <vector>

namespace tailor::io {

struct TextProtoMessage;

struct TextProtoField {
  std::string name;
  int line = 0;
  bool is_message = false;
  std::string value;  // scalars: the text, strings unescaped
  bool quoted = false;
  std::shared_ptr<TextProtoMessage> message;
  mutable bool used = false;  // set by readers that consume the field
};

struct TextProtoMessage {
  std::vector<TextProtoField> fields;

  // All fields called `name`, in order.
  std::vector<const TextProtoField*> all(const std::string& name) const;
  // The last field called `name` (protobuf: the last of repeated non-repeated fields wins),
  // or nullptr.
  const TextProtoField* find(const std::string& name) const;
};

TextProtoMessage parse_text_proto(const std::string& text, const std::string& file);
TextProtoMessage load_text_proto(const std::string& path);

}  // namespace tailor::io
