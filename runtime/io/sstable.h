#pragma once
// LevelDB-format SSTable reading (the format of a TF tensor bundle's .index file): a 48-byte
// footer with the metaindex and index block handles and the magic number, an index block whose
// values point at data blocks, and blocks of prefix-compressed keys with restart points, each
// followed by a 5-byte trailer (compression type, masked crc32c of contents + type).
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tailor::io {

inline constexpr uint64_t kSSTableMagic = 0xdb4775248b80fb57ull;

using KeyValues = std::vector<std::pair<std::string, std::string>>;

// Every key/value of the table, in key order. Verifies each block's CRC, the magic, the restart
// points and that keys increase. `path` names the file in errors. Compressed blocks are
// refused with an error saying so.
KeyValues read_sstable(std::string_view file, const std::string& path);

}  // namespace tailor::io
