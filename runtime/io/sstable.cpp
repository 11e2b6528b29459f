#include "runtime/io/sstable.h"

#include <algorithm>

#include "runtime/io/byte_reader.h"
#include "runtime/io/crc32c.h"

namespace tailor::io {

namespace {

constexpr size_t kFooterSize = 48;  // two padded block handles (40 bytes) + 8-byte magic
constexpr size_t kTrailerSize = 5;  // compression type + masked crc32c

struct BlockHandle {
  uint64_t offset = 0, size = 0;
};

BlockHandle read_handle(ByteReader& in) {
  BlockHandle h;
  h.offset = in.varint64("block handle offset");
  h.size = in.varint64("block handle size");
  return h;
}

// The block's contents (without trailer), after checking its bounds, compression and CRC.
std::string_view read_block(std::string_view file, const BlockHandle& h, const std::string& path,
                            const std::string& what) {
  const uint64_t limit = file.size() - kFooterSize;
  if (h.offset > limit || h.size > limit - h.offset || kTrailerSize > limit - h.offset - h.size)
    throw UserError(detail::concat(path, ": ", what, " at offset ", h.offset, " size ", h.size,
                                   " runs past the end of the file (", file.size(),
                                   " bytes; truncated or corrupt)"));
  const char* p = file.data() + h.offset;
  const uint8_t type = static_cast<uint8_t>(p[h.size]);
  uint32_t stored;
  std::memcpy(&stored, p + h.size + 1, 4);
  const uint32_t actual = crc32c(p, h.size + 1);
  if (crc32c_unmask(stored) != actual)
    throw UserError(detail::concat(path, ": ", what, " at offset ", h.offset,
                                   ": block CRC mismatch (stored ", crc32c_unmask(stored),
                                   ", computed ", actual, "); the file is corrupt"));
  if (type == 1)
    throw UserError(detail::concat(path, ": ", what,
                                   ": compressed blocks not supported (snappy); rewrite the "
                                   "checkpoint without compression"));
  if (type != 0)
    throw UserError(
        detail::concat(path, ": ", what, ": unknown block compression type ", int(type)));
  return {p, static_cast<size_t>(h.size)};
}

void parse_block(std::string_view block, const std::string& context, KeyValues& out) {
  ByteReader in(block, context);
  if (block.size() < 4) in.fail("block of ", block.size(), " bytes is too small");
  in.seek(block.size() - 4, "restart count");
  const uint32_t num_restarts = in.u32("restart count");
  const uint64_t restart_bytes = 4ull * num_restarts;
  if (num_restarts == 0 || restart_bytes > block.size() - 4)
    in.fail("restart count ", num_restarts, " does not fit in a block of ", block.size(), " bytes");
  const size_t entries_end = block.size() - 4 - static_cast<size_t>(restart_bytes);

  std::vector<uint32_t> restarts(num_restarts);
  in.seek(entries_end, "restart array");
  for (auto& r : restarts) r = in.u32("restart offset");

  // Entries are laid out back to back; restart points must land on entries with no shared
  // prefix, which is what lets LevelDB binary-search the block.
  std::vector<size_t> full_key_entries;
  std::string key;
  ByteReader entries(block.substr(0, entries_end), context);
  while (!entries.done()) {
    const size_t start = entries.pos();
    const uint32_t shared = entries.varint32("key shared length");
    const uint32_t non_shared = entries.varint32("key unshared length");
    const uint32_t value_len = entries.varint32("value length");
    if (shared > key.size())
      entries.fail("entry at offset ", start, " shares ", shared,
                   " key bytes but the previous key has ", key.size());
    if (shared == 0) full_key_entries.push_back(start);
    std::string next = key.substr(0, shared);
    next.append(entries.bytes(non_shared, "key bytes"));
    std::string_view value = entries.bytes(value_len, "value bytes");
    if (!out.empty() && !(out.back().first < next))
      entries.fail("keys out of order: '", next, "' after '", out.back().first, "'");
    key = next;
    out.emplace_back(std::move(next), std::string(value));
  }
  for (uint32_t r : restarts)
    if (entries_end > 0 && !std::binary_search(full_key_entries.begin(), full_key_entries.end(), r))
      in.fail("restart point ", r, " is not the start of an entry with a full key");
}

}  // namespace

KeyValues read_sstable(std::string_view file, const std::string& path) {
  if (file.size() < kFooterSize)
    throw UserError(
        detail::concat(path, ": ", file.size(),
                       " bytes is too small for an SSTable (48-byte footer); truncated?"));
  ByteReader footer(file.substr(file.size() - kFooterSize), path + ": footer");
  footer.seek(40, "magic");
  const uint64_t magic = footer.u64("magic");
  if (magic != kSSTableMagic)
    footer.fail("bad magic 0x", std::hex, magic, " (expected 0x", kSSTableMagic,
                "); not a TF checkpoint index / LevelDB table, or truncated");
  footer.seek(0, "block handles");
  const BlockHandle metaindex = read_handle(footer);
  const BlockHandle index = read_handle(footer);
  if (footer.pos() > 40) footer.fail("block handles overrun their 40 bytes");

  read_block(file, metaindex, path, "metaindex block");  // checked, not used: TF writes none
  KeyValues index_entries;
  parse_block(read_block(file, index, path, "index block"), path + ": index block", index_entries);

  KeyValues out;
  for (size_t i = 0; i < index_entries.size(); ++i) {
    const std::string what = "data block " + std::to_string(i);
    ByteReader hv(index_entries[i].second, path + ": index entry " + std::to_string(i));
    const BlockHandle h = read_handle(hv);
    const size_t before = out.size();
    parse_block(read_block(file, h, path, what), path + ": " + what, out);
    // The index key of a block is >= its last key and < the next block's first key.
    if (out.size() > before && out.back().first > index_entries[i].first)
      throw UserError(detail::concat(path, ": ", what, ": last key '", out.back().first,
                                     "' is past its index key '", index_entries[i].first, "'"));
  }
  return out;
}

}  // namespace tailor::io
