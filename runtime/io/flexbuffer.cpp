#include "runtime/io/flexbuffer.h"

#include <cstdint>
#include <cstring>

#include "runtime/error.h"

namespace tailor::io {

namespace {

// FlexBuffers type codes (flexbuffers.h).
enum : int {
  kNull = 0,
  kInt = 1,
  kUInt = 2,
  kFloat = 3,
  kKey = 4,
  kString = 5,
  kIndirectInt = 6,
  kIndirectUInt = 7,
  kIndirectFloat = 8,
  kMap = 9,
  kBool = 26,
};

struct Reader {
  std::string_view buf;
  std::string context;

  template <typename... Args>
  [[noreturn]] void fail(const Args&... args) const {
    throw UserError(detail::concat(context, ": flexbuffer: ", args...));
  }
  void check(size_t p, size_t n) const {
    if (p > buf.size() || n > buf.size() - p) fail(n, " bytes at ", p, " are out of bounds");
  }
  uint64_t uint(size_t p, size_t width) const {
    if (width != 1 && width != 2 && width != 4 && width != 8) fail("bad byte width ", width);
    check(p, width);
    uint64_t v = 0;
    std::memcpy(&v, buf.data() + p, width);  // little-endian
    return v;
  }
  int64_t sint(size_t p, size_t width) const {
    const uint64_t u = uint(p, width);
    const int shift = 64 - 8 * static_cast<int>(width);
    return static_cast<int64_t>(u << shift) >> shift;
  }
  double real(size_t p, size_t width) const {
    if (width == 4) {
      const uint32_t u = static_cast<uint32_t>(uint(p, 4));
      float f;
      std::memcpy(&f, &u, 4);
      return f;
    }
    if (width == 8) {
      const uint64_t u = uint(p, 8);
      double d;
      std::memcpy(&d, &u, 8);
      return d;
    }
    fail("float of width ", width);
  }
  // Offsets point backwards from where they are stored.
  size_t indirect(size_t p, size_t width) const {
    const uint64_t off = uint(p, width);
    if (off > p) fail("offset ", off, " at ", p, " points before the buffer");
    return p - static_cast<size_t>(off);
  }
  std::string cstring(size_t p) const {
    check(p, 0);
    const void* end = std::memchr(buf.data() + p, 0, buf.size() - p);
    if (!end) fail("unterminated key at ", p);
    return std::string(buf.data() + p, static_cast<const char*>(end) - (buf.data() + p));
  }
  // A value stored at p in a parent of width parent_width, with its packed type.
  FlexValue value(size_t p, size_t parent_width, uint8_t packed) const {
    const int type = packed >> 2;
    const size_t width = size_t(1) << (packed & 3);
    FlexValue v;
    switch (type) {
      case kInt:
        v.kind = FlexValue::Kind::Int;
        v.i = sint(p, parent_width);
        break;
      case kUInt:
        v.kind = FlexValue::Kind::UInt;
        v.i = static_cast<int64_t>(uint(p, parent_width));
        break;
      case kBool:
        v.kind = FlexValue::Kind::Bool;
        v.i = uint(p, parent_width) != 0;
        break;
      case kFloat:
        v.kind = FlexValue::Kind::Float;
        v.f = real(p, parent_width);
        break;
      case kIndirectInt:
        v.kind = FlexValue::Kind::Int;
        v.i = sint(indirect(p, parent_width), width);
        break;
      case kIndirectUInt:
        v.kind = FlexValue::Kind::UInt;
        v.i = static_cast<int64_t>(uint(indirect(p, parent_width), width));
        break;
      case kIndirectFloat:
        v.kind = FlexValue::Kind::Float;
        v.f = real(indirect(p, parent_width), width);
        break;
      case kString: {
        const size_t s = indirect(p, parent_width);
        if (s < width) fail("string at ", s, " has no length");
        const uint64_t n = uint(s - width, width);
        check(s, n);
        v.kind = FlexValue::Kind::String;
        v.s.assign(buf.data() + s, n);
        break;
      }
      default:
        break;  // nested containers, keys, blobs: not needed for op options
    }
    if (v.kind == FlexValue::Kind::Int || v.kind == FlexValue::Kind::UInt ||
        v.kind == FlexValue::Kind::Bool)
      v.f = static_cast<double>(v.i);
    return v;
  }
};

}  // namespace

double FlexValue::as_double() const {
  return kind == Kind::Float ? f : static_cast<double>(i);
}

std::map<std::string, FlexValue> decode_flexbuffer_map(std::string_view buf,
                                                       const std::string& context) {
  Reader r{buf, context};
  if (buf.size() < 3) r.fail(buf.size(), " bytes is too small");
  const size_t root_width = static_cast<uint8_t>(buf[buf.size() - 1]);
  const uint8_t root_packed = static_cast<uint8_t>(buf[buf.size() - 2]);
  if (buf.size() < 2 + root_width) r.fail("root of width ", root_width, " does not fit");
  const size_t root = buf.size() - 2 - root_width;
  if ((root_packed >> 2) != kMap) r.fail("root is type ", root_packed >> 2, ", not a map");
  const size_t width = size_t(1) << (root_packed & 3);
  const size_t map = r.indirect(root, root_width);
  if (map < 3 * width) r.fail("map at ", map, " has no room for its prefix");
  const uint64_t n = r.uint(map - width, width);
  const size_t keys = r.indirect(map - 3 * width, width);
  const size_t keys_width = r.uint(map - 2 * width, width);
  if (n > buf.size()) r.fail("map of ", n, " entries is larger than the buffer");
  r.check(map, n * width + n);  // values then one packed type byte each
  if (keys < keys_width) r.fail("keys vector at ", keys, " has no length");
  if (r.uint(keys - keys_width, keys_width) != n) r.fail("keys and values differ in count");
  std::map<std::string, FlexValue> out;
  for (size_t i = 0; i < n; ++i) {
    const std::string key = r.cstring(r.indirect(keys + i * keys_width, keys_width));
    const uint8_t packed = static_cast<uint8_t>(buf[map + n * width + i]);
    out[key] = r.value(map + i * width, width, packed);
  }
  return out;
}

}  // namespace tailor::io
