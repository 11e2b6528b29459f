#include "data/tfrecord.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>

#include "runtime/error.h"
#include "runtime/io/atomic_file.h"
#include "runtime/io/crc32c.h"

namespace tailor::data {

namespace {
void put_u32(std::string* s, uint32_t v) {
  s->append(reinterpret_cast<const char*>(&v), 4);
}
void put_u64(std::string* s, uint64_t v) {
  s->append(reinterpret_cast<const char*>(&v), 8);
}
}  // namespace

std::string frame_tfrecord(std::string_view payload) {
  std::string out;
  out.reserve(payload.size() + 16);
  put_u64(&out, payload.size());
  put_u32(&out, io::crc32c_mask(io::crc32c(out.data(), 8)));
  out.append(payload.data(), payload.size());
  put_u32(&out, io::crc32c_mask(io::crc32c(payload.data(), payload.size())));
  return out;
}

TfRecordReader::TfRecordReader(const std::string& path, uint64_t max_record_bytes)
    : TfRecordReader(std::make_unique<std::ifstream>(path, std::ios::binary), path,
                     max_record_bytes) {}

TfRecordReader::TfRecordReader(std::unique_ptr<std::istream> in, const std::string& path,
                               uint64_t max_record_bytes)
    : path_(path), in_(std::move(in)), max_bytes_(max_record_bytes) {
  if (!*in_) throw UserError(path + ": cannot open for reading");
  in_->seekg(0, std::ios::end);
  const std::streamoff size = in_->tellg();
  in_->seekg(0, std::ios::beg);
  if (size < 0 || !*in_) throw UserError(path + ": cannot determine the file size");
  size_ = static_cast<uint64_t>(size);
}

TfRecordReader TfRecordReader::from_bytes(std::string bytes, const std::string& context,
                                          uint64_t max_record_bytes) {
  return TfRecordReader(std::make_unique<std::istringstream>(std::move(bytes), std::ios::binary),
                        context, max_record_bytes);
}

bool TfRecordReader::next(std::string* out) {
  char header[12];
  in_->read(header, sizeof(header));
  std::streamsize got = in_->gcount();
  if (got == 0) return false;
  if (got != sizeof(header))
    throw UserError(
        detail::concat(path_, ": record ", index_, ": truncated header (", got, " of 12 bytes)"));
  uint64_t length;
  uint32_t length_crc;
  std::memcpy(&length, header, 8);
  std::memcpy(&length_crc, header + 8, 4);
  if (io::crc32c_unmask(length_crc) != io::crc32c(header, 8))
    throw UserError(detail::concat(path_, ": record ", index_, ": length CRC mismatch (corrupt)"));
  if (length > max_bytes_)
    throw UserError(detail::concat(path_, ": record ", index_, ": length ", length,
                                   " exceeds the limit of ", max_bytes_, " bytes"));
  const uint64_t left = size_ - std::min<uint64_t>(size_, static_cast<uint64_t>(in_->tellg()));
  if (length > left)
    throw UserError(detail::concat(path_, ": record ", index_, ": truncated payload (length ",
                                   length, " but only ", left, " bytes remain)"));
  out->resize(length);
  in_->read(out->data(), static_cast<std::streamsize>(length));
  if (static_cast<uint64_t>(in_->gcount()) != length)
    throw UserError(detail::concat(path_, ": record ", index_, ": truncated payload (",
                                   in_->gcount(), " of ", length, " bytes)"));
  char footer[4];
  in_->read(footer, 4);
  if (in_->gcount() != 4)
    throw UserError(detail::concat(path_, ": record ", index_, ": truncated data CRC"));
  uint32_t data_crc;
  std::memcpy(&data_crc, footer, 4);
  if (io::crc32c_unmask(data_crc) != io::crc32c(out->data(), out->size()))
    throw UserError(detail::concat(path_, ": record ", index_, ": data CRC mismatch (corrupt)"));
  ++index_;
  return true;
}

std::vector<std::string> read_tfrecord_file(const std::string& path, uint64_t max_record_bytes) {
  TfRecordReader reader(path, max_record_bytes);
  std::vector<std::string> out;
  std::string payload;
  while (reader.next(&payload)) out.push_back(std::move(payload));
  return out;
}

void write_tfrecord_file(const std::string& path, const std::vector<std::string>& payloads) {
  std::string bytes;
  for (const std::string& p : payloads) bytes += frame_tfrecord(p);
  io::write_file_atomic(path, bytes);
}

}  // namespace tailor::data
