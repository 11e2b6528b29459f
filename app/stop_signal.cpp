#include "app/stop_signal.h"

#include <csignal>

namespace tailor::app {
namespace {

std::atomic<bool> g_stop{false};

extern "C" void tailor_on_stop_signal(int) {
  g_stop.store(true);
}

}  // namespace

StopSignalScope::StopSignalScope() {
  std::signal(SIGINT, tailor_on_stop_signal);
  std::signal(SIGTERM, tailor_on_stop_signal);
}

StopSignalScope::~StopSignalScope() {
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
}

const std::atomic<bool>* StopSignalScope::flag() {
  return &g_stop;
}

}  // namespace tailor::app
