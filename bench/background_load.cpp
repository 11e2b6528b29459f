#include "bench/background_load.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "runtime/error.h"

namespace tailor::bench {

BackgroundLoad::BackgroundLoad(int processes) {
  TAILOR_CHECK(processes >= 0 && processes <= 256, UsageError,
               "--background-load must be in [0, 256], got ", processes);
  for (int i = 0; i < processes; ++i) {
    const pid_t pid = fork();
    if (pid < 0) {
      const std::string why = std::strerror(errno);
      this->~BackgroundLoad();
      throw UserError("--background-load: fork failed: " + why);
    }
    if (pid == 0) {
      // The child: lowest priority, then spin until killed. Nothing here allocates or
      // touches the parent's state.
      setpriority(PRIO_PROCESS, 0, 19);
      volatile unsigned long x = 0;
      for (;;) x = x * 1664525u + 1013904223u;
    }
    pids_.push_back(pid);
  }
}

BackgroundLoad::~BackgroundLoad() {
  for (pid_t pid : pids_) kill(pid, SIGKILL);
  for (pid_t pid : pids_) waitpid(pid, nullptr, 0);
  pids_.clear();
}

}  // namespace tailor::bench
