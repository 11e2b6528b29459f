#pragma once
// Bounds-checked FlatBuffers decoding (the container of .tflite files), written from the
// FlatBuffers binary format: a root uoffset, tables that point back to a vtable of 16-bit field
// offsets, and uoffsets forward to sub-tables, vectors and strings. Every access checks that
// what it reads lies inside the buffer, so a corrupt file raises UserError, never a bad read.
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/error.h"

namespace tailor::io {

class FlatTable {
 public:
  // The root table of `buf`. `context` (e.g. the file path) prefixes errors.
  static FlatTable root(std::string_view buf, const std::string& context);

  bool has(int field) const { return field_offset(field) != 0; }

  // A scalar field, or `def` when absent.
  template <typename T>
  T scalar(int field, T def) const {
    const uint32_t fo = field_offset(field);
    if (fo == 0) return def;
    check_inline(fo, sizeof(T), field);
    T v;
    std::memcpy(&v, buf_.data() + pos_ + fo, sizeof(T));
    return v;
  }
  // Absent string -> "".
  std::string string(int field) const;
  // Absent -> a table with no fields (every scalar returns its default).
  FlatTable table(int field) const;
  std::vector<FlatTable> tables(int field) const;
  // Vector of scalars; absent -> empty.
  template <typename T>
  std::vector<T> scalars(int field) const {
    auto [p, n] = vector_at(field, sizeof(T));
    std::vector<T> out(n);
    if (n) std::memcpy(out.data(), buf_.data() + p, n * sizeof(T));
    return out;
  }
  // A [ubyte] vector as a view into the buffer; absent -> empty.
  std::string_view bytes(int field) const {
    auto [p, n] = vector_at(field, 1);
    return buf_.substr(p, n);
  }

  std::string_view buffer() const { return buf_; }
  const std::string& context() const { return context_; }

 private:
  FlatTable(std::string_view buf, size_t pos, std::string context);
  FlatTable(std::string_view buf, std::string context) : buf_(buf), context_(std::move(context)) {}

  uint32_t field_offset(int field) const;
  void check_inline(uint32_t fo, size_t n, int field) const;
  // Follows the uoffset stored in `field`; returns the absolute target position.
  size_t follow(int field) const;
  size_t follow_at(size_t p, const char* what) const;
  // (position of element 0, length) of a vector field, checked for elem_size-byte elements.
  std::pair<size_t, size_t> vector_at(int field, size_t elem_size) const;
  template <typename... Args>
  [[noreturn]] void fail(const Args&... args) const {
    throw UserError(detail::concat(context_, ": ", args...));
  }

  std::string_view buf_;
  size_t pos_ = 0;
  size_t vtable_ = 0;
  uint16_t vtable_size_ = 0;  // 0: an absent table, all fields default
  uint16_t inline_size_ = 0;
  std::string context_;
};

}  // namespace tailor::io
