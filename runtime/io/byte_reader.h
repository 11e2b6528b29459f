#pragma once
// Bounds-checked little-endian reading over an in-memory byte range. Every parser of an
// untrusted binary format (SSTable, protobuf wire, flatbuffers, safetensors) goes through it, so
// a corrupt or hostile file produces a UserError naming the file and field, never an
// out-of-bounds read.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "runtime/error.h"

namespace tailor::io {

class ByteReader {
 public:
  // `context` prefixes every error message, e.g. "model.ckpt.index: data block 3".
  ByteReader(std::string_view bytes, std::string context)
      : data_(reinterpret_cast<const uint8_t*>(bytes.data())),
        size_(bytes.size()),
        context_(std::move(context)) {}

  size_t pos() const { return pos_; }
  size_t size() const { return size_; }
  size_t remaining() const { return size_ - pos_; }
  bool done() const { return pos_ == size_; }
  const std::string& context() const { return context_; }

  void seek(size_t pos, const char* what) {
    if (pos > size_) fail(what, ": position ", pos, " past the end (", size_, " bytes)");
    pos_ = pos;
  }
  void skip(size_t n, const char* what) { take(n, what); }

  uint8_t u8(const char* what) { return *take(1, what); }
  uint32_t u32(const char* what) { return load<uint32_t>(what); }
  uint64_t u64(const char* what) { return load<uint64_t>(what); }

  // Protobuf/LevelDB base-128 varint; at most 10 bytes, and for 32-bit at most 5.
  uint64_t varint64(const char* what) { return varint(what, 10); }
  uint32_t varint32(const char* what) {
    uint64_t v = varint(what, 5);
    if (v > 0xffffffffu) fail(what, ": varint does not fit in 32 bits");
    return static_cast<uint32_t>(v);
  }

  std::string_view bytes(size_t n, const char* what) {
    return {reinterpret_cast<const char*>(take(n, what)), n};
  }

  template <typename... Args>
  [[noreturn]] void fail(const Args&... args) const {
    throw UserError(detail::concat(context_, ": ", args...));
  }

 private:
  const uint8_t* take(size_t n, const char* what) {
    if (n > remaining())
      fail(what, ": needs ", n, " bytes at offset ", pos_, " but only ", remaining(),
           " remain (truncated or corrupt)");
    const uint8_t* p = data_ + pos_;
    pos_ += n;
    return p;
  }
  template <typename T>
  T load(const char* what) {
    T v;
    std::memcpy(&v, take(sizeof(T), what), sizeof(T));  // little-endian host (x86-64, arm64)
    return v;
  }
  uint64_t varint(const char* what, int max_bytes) {
    uint64_t result = 0;
    for (int i = 0; i < max_bytes; ++i) {
      if (pos_ >= size_) fail(what, ": varint runs past the end at offset ", pos_);
      uint8_t b = data_[pos_++];
      result |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
      if (!(b & 0x80)) return result;
    }
    fail(what, ": varint longer than ", max_bytes, " bytes at offset ", pos_);
  }

  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  std::string context_;
};

}  // namespace tailor::io
