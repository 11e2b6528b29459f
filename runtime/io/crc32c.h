#pragma once
// CRC-32C (Castagnoli), as used by TFRecord, TF tensor bundles, LevelDB and TensorBoard
// event files, plus TF's masking of stored CRCs.
#include <cstddef>
#include <cstdint>

namespace tailor::io {

uint32_t crc32c(const void* data, size_t n, uint32_t crc = 0);  // crc continues a running value
inline uint32_t crc32c_mask(uint32_t crc) {
  return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}
inline uint32_t crc32c_unmask(uint32_t masked) {
  uint32_t rot = masked - 0xa282ead8u;
  return (rot >> 17) | (rot << 15);
}

}  // namespace tailor::io
