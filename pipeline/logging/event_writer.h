#pragma once
// TensorBoard event files: events.out.tfevents.<unix seconds>.<host> in a log directory,
// holding TFRecord-framed Event protos (first a file_version "brain.Event:2" event, then one
// event of Summary.Value{tag, simple_value} scalars per logged step). TensorBoard's scalar
// dashboard reads them as it reads TF's own.
//
// The file is an append-only log that TensorBoard tails while training runs, so it is written
// with plain appends and flushed per step batch (an atomic rewrite would defeat tailing); a
// torn last record after a crash is skipped by TensorBoard's reader.
#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace tailor::pipeline {

using Scalars = std::vector<std::pair<std::string, double>>;

class EventWriter {
 public:
  // Creates `logdir` if needed and a new event file in it.
  explicit EventWriter(const std::string& logdir);
  ~EventWriter();
  EventWriter(const EventWriter&) = delete;
  EventWriter& operator=(const EventWriter&) = delete;

  void add_scalars(int64_t step, const Scalars& scalars, double wall_time = -1);
  void flush();
  const std::string& path() const { return path_; }

 private:
  void write_record(const std::string& payload);
  std::string path_;
  std::FILE* file_ = nullptr;
};

struct ScalarEvent {
  double wall_time = 0;
  int64_t step = 0;
  std::string tag;
  float value = 0;
};

struct EventFileContents {
  std::string file_version;
  std::vector<ScalarEvent> scalars;
};

// Reads an event file back, checking both masked CRCs of every record; throws UserError
// naming the file and record on a mismatch or truncation.
EventFileContents read_event_file(const std::string& path);

// The serialized Event proto (exposed for tests).
std::string encode_scalar_event(double wall_time, int64_t step, const Scalars& scalars);

double unix_time_now();

}  // namespace tailor::pipeline
