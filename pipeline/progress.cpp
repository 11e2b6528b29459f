#include "pipeline/progress.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>

namespace tailor::pipeline {

std::string format_duration(double s) {
  if (!std::isfinite(s) || s < 0) return "?";
  const long long t = static_cast<long long>(std::llround(s));
  char buf[32];
  if (t >= 3600)
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", t / 3600, (t / 60) % 60);
  else if (t >= 60)
    std::snprintf(buf, sizeof buf, "%lldm%02llds", t / 60, t % 60);
  else
    std::snprintf(buf, sizeof buf, "%llds", t);
  return buf;
}

Progress::Progress(ProgressOptions opt) : opt_(std::move(opt)) {
  if (!opt_.out) opt_.out = &std::cerr;
  if (!opt_.clock)
    opt_.clock = [] {
      return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
          .count();
    };
  tty_ = opt_.tty >= 0 ? opt_.tty == 1 : isatty(STDERR_FILENO) == 1;
  if (opt_.log_every < 1) opt_.log_every = 1;
  t0_ = last_t_ = opt_.clock();
  last_done_ = opt_.start;
}

std::string Progress::format_line(int64_t done, const ProgressFields& fields, bool with_bar) const {
  std::string s;
  char buf[64];
  if (with_bar && opt_.total > 0) {
    const int width = 24;
    const int filled =
        int(std::min<int64_t>(width, done * width / std::max<int64_t>(1, opt_.total)));
    s += "[" + std::string(filled, '#') + std::string(width - filled, '.') + "] ";
  }
  s += opt_.label + " " + std::to_string(done);
  if (opt_.total > 0) s += "/" + std::to_string(opt_.total);
  for (const auto& [name, v] : fields) {
    std::snprintf(buf, sizeof buf, " %s %.4g", name.c_str(), v);
    s += buf;
  }
  if (sec_per_unit_ > 0) {
    if (sec_per_unit_ >= 0.1)
      std::snprintf(buf, sizeof buf, " %.2f s/%s", sec_per_unit_, opt_.label.c_str());
    else
      std::snprintf(buf, sizeof buf, " %.1f %s/s", 1.0 / sec_per_unit_, opt_.label.c_str());
    s += buf;
    if (opt_.total > 0 && done < opt_.total)
      s += " ETA " + format_duration(sec_per_unit_ * double(opt_.total - done));
  }
  return s;
}

void Progress::update(int64_t done, const ProgressFields& fields) {
  const double now = opt_.clock();
  if (done > last_done_) {
    const double per = (now - last_t_) / double(done - last_done_);
    // Smooth over ~10 updates so one slow step (a checkpoint, an eval) does not swing the ETA.
    sec_per_unit_ = sec_per_unit_ > 0 ? 0.9 * sec_per_unit_ + 0.1 * per : per;
    last_t_ = now;
    last_done_ = done;
  }
  last_fields_ = fields;
  if (tty_) {
    const std::string line = format_line(done, fields, true);
    *opt_.out << "\r" << line;
    if (line.size() < last_len_) *opt_.out << std::string(last_len_ - line.size(), ' ');
    last_len_ = line.size();
    opt_.out->flush();
  } else if (done % opt_.log_every == 0 || (opt_.total > 0 && done >= opt_.total)) {
    *opt_.out << format_line(done, fields, false) << "\n";
    opt_.out->flush();
    last_printed_ = done;
  }
}

void Progress::finish() {
  if (tty_) {
    if (last_len_) *opt_.out << "\n";
    last_len_ = 0;
  } else if (last_printed_ != last_done_ && last_done_ > opt_.start) {
    *opt_.out << format_line(last_done_, last_fields_, false) << "\n";
    last_printed_ = last_done_;
  }
  opt_.out->flush();
}

}  // namespace tailor::pipeline
