#pragma once
// TFRecord framing, byte-compatible with TensorFlow's RecordWriter:
//   uint64 length (little-endian), uint32 masked crc32c(length bytes),
//   payload, uint32 masked crc32c(payload).
// The reader checks both CRCs and refuses records larger than a limit before allocating, so a
// corrupt length cannot trigger a huge allocation.
#include <cstdint>
#include <istream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tailor::data {

constexpr uint64_t kDefaultMaxRecordBytes = uint64_t(256) << 20;

// One framed record (header, payload, footer) ready to append to a file.
std::string frame_tfrecord(std::string_view payload);

class TfRecordReader {
 public:
  explicit TfRecordReader(const std::string& path,
                          uint64_t max_record_bytes = kDefaultMaxRecordBytes);
  // Reads records from bytes already in memory; `context` names them in errors.
  static TfRecordReader from_bytes(std::string bytes, const std::string& context,
                                   uint64_t max_record_bytes = kDefaultMaxRecordBytes);
  // Reads the next payload into `out`; false at a clean end of file. Throws UserError naming
  // the file and record index on truncation, a CRC mismatch or an oversized length.
  bool next(std::string* out);
  int64_t records_read() const { return index_; }
  const std::string& path() const { return path_; }

 private:
  TfRecordReader(std::unique_ptr<std::istream> in, const std::string& path,
                 uint64_t max_record_bytes);

  std::string path_;
  std::unique_ptr<std::istream> in_;
  uint64_t size_ = 0;  // of the whole stream: a length past it is refused before allocating
  uint64_t max_bytes_;
  int64_t index_ = 0;
};

// Every payload of a file.
std::vector<std::string> read_tfrecord_file(const std::string& path,
                                            uint64_t max_record_bytes = kDefaultMaxRecordBytes);
// Frames the payloads and writes them atomically.
void write_tfrecord_file(const std::string& path, const std::vector<std::string>& payloads);

}  // namespace tailor::data
