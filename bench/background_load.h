#pragma once
// `--background-load N`: N busy processes at the lowest priority (nice 19) for as long as the
// object lives, the way a shared machine looks to a training run (another user's niced job).
// They only spin; they are killed and reaped when the object goes, also on an exception.
#include <sys/types.h>

#include <vector>

namespace tailor::bench {

class BackgroundLoad {
 public:
  explicit BackgroundLoad(int processes);
  ~BackgroundLoad();
  BackgroundLoad(const BackgroundLoad&) = delete;
  BackgroundLoad& operator=(const BackgroundLoad&) = delete;
  int processes() const { return static_cast<int>(pids_.size()); }

 private:
  std::vector<pid_t> pids_;
};

}  // namespace tailor::bench
