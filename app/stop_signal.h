#pragma once
// SIGINT / SIGTERM for long-running commands (train, eval --watch): while a StopSignalScope
// lives, the signals only raise a flag, which the work polls at safe points (between steps,
// between batches) so that it can save and exit cleanly instead of dying mid-write.
#include <atomic>

namespace tailor::app {

class StopSignalScope {
 public:
  StopSignalScope();
  ~StopSignalScope();  // restores the default handlers
  StopSignalScope(const StopSignalScope&) = delete;
  StopSignalScope& operator=(const StopSignalScope&) = delete;

  // Process-wide; valid for the whole program.
  static const std::atomic<bool>* flag();
};

}  // namespace tailor::app
