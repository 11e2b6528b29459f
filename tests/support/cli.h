#pragma once
// Running the built `tailor` binary from tests, as a user would: exit status (128 + signal
// when it died by one) and its output in a log file.
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

namespace tailor::testing {

inline std::string tailor_binary() {
  return std::string(TAILOR_BINARY_DIR) + "/app/tailor";
}

inline int exit_code_of(int wait_status) {
  return WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : 128 + WTERMSIG(wait_status);
}

// Runs `tailor ARGS`, stdout and stderr to `log`.
inline int run_tailor(const std::string& args, const std::string& log) {
  const std::string cmd = tailor_binary() + " " + args + " > " + log + " 2>&1";
  return exit_code_of(std::system(cmd.c_str()));
}

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace tailor::testing
