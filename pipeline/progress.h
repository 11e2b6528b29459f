#pragma once
// Progress display for long work (train steps, eval images, detect folders). On a terminal it
// redraws one line with '\r': a bar, done/total, the caller's values (loss, lr, ...), s/step
// and ETA. Otherwise (logs, CI) it prints a plain line every `log_every` units and at the end,
// so log files stay readable.
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

namespace tailor::pipeline {

using ProgressFields = std::vector<std::pair<std::string, double>>;

struct ProgressOptions {
  std::string label = "step";     // the unit: "step", "image", "folder"
  int64_t total = 0;              // 0: unknown (no bar, no ETA)
  int64_t start = 0;              // units already done (e.g. a resumed run's step)
  int log_every = 10;             // plain mode only
  std::ostream* out = nullptr;    // default std::cerr
  int tty = -1;                   // -1: detect from stderr; 0 / 1 force
  std::function<double()> clock;  // seconds; default steady_clock (tests inject one)
};

class Progress {
 public:
  explicit Progress(ProgressOptions opt);
  // `done` units finished in all (>= start); `fields` are printed as "name value".
  void update(int64_t done, const ProgressFields& fields = {});
  // Ends the TTY line and prints a final plain line in plain mode if the last was skipped.
  void finish();
  double seconds_per_unit() const { return sec_per_unit_; }

  // One status line, without '\r' (exposed for tests).
  std::string format_line(int64_t done, const ProgressFields& fields, bool with_bar) const;

 private:
  ProgressOptions opt_;
  double t0_ = 0, last_t_ = 0;
  int64_t last_done_ = 0, last_printed_ = -1;
  double sec_per_unit_ = 0;  // smoothed
  ProgressFields last_fields_;
  bool tty_ = false;
  size_t last_len_ = 0;
};

// "1h02m", "3m05s", "42s".
std::string format_duration(double seconds);

}  // namespace tailor::pipeline
