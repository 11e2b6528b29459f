#include "pipeline/logging/event_writer.h"

#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "runtime/error.h"
#include "runtime/io/atomic_file.h"
#include "runtime/io/crc32c.h"
#include "runtime/io/protobuf_wire.h"

namespace tailor::pipeline {

namespace {

// Event proto fields (tensorflow/core/util/event.proto, summary.proto).
constexpr int kEventWallTime = 1, kEventStep = 2, kEventFileVersion = 3, kEventSummary = 5;
constexpr int kSummaryValue = 1, kValueTag = 1, kValueSimpleValue = 2;

std::string le32(uint32_t v) {
  char b[4];
  std::memcpy(b, &v, 4);
  return std::string(b, 4);
}

uint32_t read_le32(const std::string& s, size_t at) {
  uint32_t v;
  std::memcpy(&v, s.data() + at, 4);
  return v;
}

std::string host_name() {
  char buf[256] = {0};
  if (gethostname(buf, sizeof buf - 1) != 0 || !buf[0]) return "localhost";
  return buf;
}

}  // namespace

double unix_time_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string encode_scalar_event(double wall_time, int64_t step, const Scalars& scalars) {
  io::ProtoWriter summary;
  for (const auto& [tag, value] : scalars) {
    io::ProtoWriter v;
    v.bytes_field(kValueTag, tag);
    v.float_field(kValueSimpleValue, static_cast<float>(value));
    summary.bytes_field(kSummaryValue, v.bytes());
  }
  io::ProtoWriter e;
  e.double_field(kEventWallTime, wall_time);
  e.varint_field(kEventStep, static_cast<uint64_t>(step));
  e.bytes_field(kEventSummary, summary.bytes());
  return e.bytes();
}

EventWriter::EventWriter(const std::string& logdir) {
  std::error_code ec;
  std::filesystem::create_directories(logdir, ec);
  if (ec) throw UserError(logdir + ": cannot create the log directory: " + ec.message());
  const double now = unix_time_now();
  std::string base =
      logdir + "/events.out.tfevents." + std::to_string(int64_t(now)) + "." + host_name();
  path_ = base;
  // Two writers started within one second must not share a file.
  for (int i = 1; std::filesystem::exists(path_); ++i) path_ = base + "." + std::to_string(i);
  file_ = std::fopen(path_.c_str(), "wb");
  if (!file_) throw UserError(path_ + ": cannot create the event file: " + std::strerror(errno));
  io::ProtoWriter e;
  e.double_field(kEventWallTime, now);
  e.bytes_field(kEventFileVersion, "brain.Event:2");
  write_record(e.bytes());
  flush();
}

EventWriter::~EventWriter() {
  if (file_) std::fclose(file_);
}

void EventWriter::write_record(const std::string& payload) {
  // TFRecord framing: length, masked CRC of the length, payload, masked CRC of the payload.
  std::string rec;
  const uint64_t n = payload.size();
  char len[8];
  std::memcpy(len, &n, 8);
  rec.append(len, 8);
  rec += le32(io::crc32c_mask(io::crc32c(len, 8)));
  rec += payload;
  rec += le32(io::crc32c_mask(io::crc32c(payload.data(), payload.size())));
  if (std::fwrite(rec.data(), 1, rec.size(), file_) != rec.size())
    throw UserError(path_ + ": cannot write the event file: " + std::strerror(errno));
}

void EventWriter::add_scalars(int64_t step, const Scalars& scalars, double wall_time) {
  write_record(encode_scalar_event(wall_time < 0 ? unix_time_now() : wall_time, step, scalars));
}

void EventWriter::flush() {
  if (std::fflush(file_) != 0)
    throw UserError(path_ + ": cannot write the event file: " + std::strerror(errno));
}

EventFileContents read_event_file(const std::string& path) {
  const std::string data = io::read_file(path);
  EventFileContents out;
  size_t pos = 0;
  for (int rec = 0; pos < data.size(); ++rec) {
    const std::string where = path + ": record " + std::to_string(rec);
    if (data.size() - pos < 12) throw UserError(where + ": truncated header");
    uint64_t n;
    std::memcpy(&n, data.data() + pos, 8);
    if (io::crc32c_unmask(read_le32(data, pos + 8)) != io::crc32c(data.data() + pos, 8))
      throw UserError(where + ": length CRC mismatch");
    if (n > data.size() - pos - 12 || data.size() - pos - 12 - n < 4)
      throw UserError(where + ": truncated payload");
    const std::string payload = data.substr(pos + 12, n);
    if (io::crc32c_unmask(read_le32(data, pos + 12 + n)) != io::crc32c(payload.data(), n))
      throw UserError(where + ": payload CRC mismatch");
    pos += 12 + n + 4;

    using io::WireField;
    using io::WireType;
    double wall_time = 0;
    int64_t step = 0;
    std::vector<std::pair<std::string, float>> values;
    io::for_each_field(payload, where, [&](const WireField& f) {
      if (f.number == kEventWallTime && f.type == WireType::Fixed64) wall_time = f.as_double();
      if (f.number == kEventStep && f.type == WireType::Varint)
        step = static_cast<int64_t>(f.value);
      if (f.number == kEventFileVersion && f.type == WireType::LengthDelimited)
        out.file_version = std::string(f.bytes);
      if (f.number != kEventSummary || f.type != WireType::LengthDelimited) return;
      io::for_each_field(f.bytes, where + " summary", [&](const WireField& v) {
        if (v.number != kSummaryValue || v.type != WireType::LengthDelimited) return;
        std::string tag;
        float simple = 0;
        bool has_simple = false;
        io::for_each_field(v.bytes, where + " summary value", [&](const WireField& x) {
          if (x.number == kValueTag && x.type == WireType::LengthDelimited)
            tag = std::string(x.bytes);
          if (x.number == kValueSimpleValue && x.type == WireType::Fixed32)
            simple = x.as_float(), has_simple = true;
        });
        if (has_simple) values.emplace_back(tag, simple);
      });
    });
    for (const auto& [tag, value] : values) out.scalars.push_back({wall_time, step, tag, value});
  }
  return out;
}

}  // namespace tailor::pipeline
