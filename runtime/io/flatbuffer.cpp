#include "runtime/io/flatbuffer.h"

namespace tailor::io {

namespace {
uint32_t load_u32(std::string_view b, size_t p) {
  uint32_t v;
  std::memcpy(&v, b.data() + p, 4);
  return v;
}
uint16_t load_u16(std::string_view b, size_t p) {
  uint16_t v;
  std::memcpy(&v, b.data() + p, 2);
  return v;
}
}  // namespace

FlatTable FlatTable::root(std::string_view buf, const std::string& context) {
  FlatTable empty(buf, context);
  if (buf.size() < 8) empty.fail(buf.size(), " bytes is too small for a flatbuffer");
  return FlatTable(buf, empty.follow_at(0, "root table offset"), context);
}

FlatTable::FlatTable(std::string_view buf, size_t pos, std::string context)
    : buf_(buf), pos_(pos), context_(std::move(context)) {
  if (pos_ > buf_.size() || buf_.size() - pos_ < 4) fail("table at ", pos_, " is out of bounds");
  int32_t soffset;
  std::memcpy(&soffset, buf_.data() + pos_, 4);
  const int64_t vt = static_cast<int64_t>(pos_) - soffset;
  if (vt < 0 || vt > static_cast<int64_t>(buf_.size()) - 4)
    fail("vtable of table at ", pos_, " is out of bounds");
  vtable_ = static_cast<size_t>(vt);
  vtable_size_ = load_u16(buf_, vtable_);
  inline_size_ = load_u16(buf_, vtable_ + 2);
  if (vtable_size_ < 4 || vtable_size_ % 2 || vtable_ + vtable_size_ > buf_.size())
    fail("vtable at ", vtable_, " has a bad size ", vtable_size_);
  if (inline_size_ < 4 || pos_ + inline_size_ > buf_.size())
    fail("table at ", pos_, " has a bad size ", inline_size_);
}

uint32_t FlatTable::field_offset(int field) const {
  const size_t entry = 4 + 2 * static_cast<size_t>(field);
  if (entry + 2 > vtable_size_) return 0;  // field newer than the writer: absent
  return load_u16(buf_, vtable_ + entry);
}

void FlatTable::check_inline(uint32_t fo, size_t n, int field) const {
  if (fo + n > inline_size_) fail("field ", field, " of table at ", pos_, " overruns the table");
}

size_t FlatTable::follow_at(size_t p, const char* what) const {
  if (p > buf_.size() || buf_.size() - p < 4) fail(what, " at ", p, " is out of bounds");
  const uint64_t target = uint64_t(p) + load_u32(buf_, p);
  if (target >= buf_.size()) fail(what, " at ", p, " points past the end of the buffer");
  return static_cast<size_t>(target);
}

size_t FlatTable::follow(int field) const {
  const uint32_t fo = field_offset(field);
  check_inline(fo, 4, field);
  return follow_at(pos_ + fo, "offset field");
}

std::pair<size_t, size_t> FlatTable::vector_at(int field, size_t elem_size) const {
  if (!has(field)) return {0, 0};
  const size_t v = follow(field);
  if (buf_.size() - v < 4) fail("vector at ", v, " is out of bounds");
  const uint64_t n = load_u32(buf_, v);
  if (n * elem_size > buf_.size() - v - 4)
    fail("vector at ", v, " of ", n, " elements runs past the end of the buffer");
  return {v + 4, static_cast<size_t>(n)};
}

std::string FlatTable::string(int field) const {
  auto [p, n] = vector_at(field, 1);
  return std::string(buf_.substr(p, n));
}

FlatTable FlatTable::table(int field) const {
  if (!has(field)) return FlatTable(buf_, context_);
  return FlatTable(buf_, follow(field), context_);
}

std::vector<FlatTable> FlatTable::tables(int field) const {
  auto [p, n] = vector_at(field, 4);
  std::vector<FlatTable> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i)
    out.push_back(FlatTable(buf_, follow_at(p + 4 * i, "table offset"), context_));
  return out;
}

}  // namespace tailor::io
