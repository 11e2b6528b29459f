#include "pipeline/eval/watch.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <set>
#include <system_error>
#include <thread>

#include "runtime/error.h"

namespace fs = std::filesystem;

namespace tailor::pipeline {

std::string done_marker_path(const std::string& run_dir) {
  return (fs::path(run_dir) / "DONE").string();
}

WatchResult watch_checkpoints(const WatchOptions& o) {
  TAILOR_CHECK(static_cast<bool>(o.evaluate), std::logic_error,
               "watch_checkpoints: no evaluate callback");
  std::ostream& log = o.log ? *o.log : std::cerr;
  auto stopped = [&] { return o.stop && o.stop->load(); };
  auto sleep = [&](double seconds) {
    if (o.sleep) return o.sleep(seconds);
    // Short slices so that Ctrl-C is answered at once.
    const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (!stopped() && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
  };

  WatchResult r;
  std::set<int64_t> seen;
  bool announced_wait = false;
  for (;;) {
    if (stopped()) {
      r.stopped = true;
      return r;
    }
    // DONE is read before the listing: the trainer writes its last checkpoint before DONE,
    // so a listing made after seeing DONE holds every checkpoint of the run.
    std::error_code ec;
    const bool done = fs::exists(done_marker_path(o.run_dir), ec);
    bool any = false;
    for (const CheckpointFile& ckpt : list_checkpoints(o.run_dir)) {
      if (seen.count(ckpt.step)) continue;
      if (stopped()) {
        r.stopped = true;
        return r;
      }
      seen.insert(ckpt.step);
      any = true;
      if (o.already_evaluated && o.already_evaluated(ckpt)) {
        ++r.skipped;
        continue;
      }
      try {
        o.evaluate(ckpt);
      } catch (const UserError& e) {
        // A checkpoint pruned while it waited or loaded is no error: a newer one follows.
        if (fs::exists(ckpt.path, ec)) throw;
        log << "eval: " << ckpt.path << " was removed before it could be evaluated; skipped\n";
        ++r.skipped;
        continue;
      }
      if (stopped()) {
        r.stopped = true;
        return r;
      }
      ++r.evaluated;
      r.last_step = std::max(r.last_step, ckpt.step);
    }
    if (done && !any) {
      log << "eval: the run in " << o.run_dir << " is done; " << r.evaluated
          << " checkpoint(s) evaluated\n";
      return r;
    }
    if (!any && !announced_wait) {
      log << "eval: waiting for new checkpoints in " << o.run_dir << " (Ctrl-C to stop)\n";
      announced_wait = true;
    }
    if (any) announced_wait = false;
    if (!done) sleep(o.poll_seconds);
  }
}

}  // namespace tailor::pipeline
