#include "bench/peer.h"

#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "runtime/error.h"

namespace tailor::bench {

void check_peer_name(const std::string& name) {
  if (name != "pytorch") throw UsageError("--peer: unknown peer '" + name + "' (expected pytorch)");
}

std::vector<std::string> parse_peer_list(const std::string& list) {
  std::vector<std::string> out;
  std::stringstream in(list);
  for (std::string name; std::getline(in, name, ',');) {
    if (name.empty()) continue;
    if (name != "pytorch" && name != "onnxruntime" && name != "openvino")
      throw UsageError("--peer: unknown peer '" + name +
                       "' (expected pytorch, onnxruntime, openvino or a comma-separated list)");
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
  }
  return out;
}

namespace {

bool file_exists(const std::string& path) {
  return std::ifstream(path).good();
}

// Single-quoted for /bin/sh.
std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char ch : s) q += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return q + "'";
}

}  // namespace

std::string pytorch_peer_script() {
  const char* env = std::getenv("TAILOR_PEER_SCRIPT");
  if (env && *env) return env;
  const std::string name = "pytorch_ssd_mobilenet_v1.py";
#ifdef TAILOR_BENCH_PEER_DIR
  if (file_exists(std::string(TAILOR_BENCH_PEER_DIR) + "/" + name))
    return std::string(TAILOR_BENCH_PEER_DIR) + "/" + name;
#endif
  return "bench/peers/" + name;
}

PeerRun run_pytorch_peer(const std::vector<std::string>& args) {
  PeerRun run;
  const std::string script = pytorch_peer_script();
  if (!file_exists(script)) {
    run.why_not = "script " + script + " not found (set TAILOR_PEER_SCRIPT)";
    return run;
  }
  std::string cmd = "python3 " + shell_quote(script);
  for (const std::string& a : args) cmd += " " + shell_quote(a);
  cmd += " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) {
    run.why_not = "cannot start python3";
    return run;
  }
  std::string output;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) output.append(buf, n);
  const int status = pclose(pipe);
  // The JSON is the last line; anything before it is the script's or torch's chatter.
  std::string last;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);)
    if (!line.empty() && line[0] == '{') last = line;
  nlohmann::json j = nlohmann::json::parse(last, nullptr, /*allow_exceptions=*/false);
  if (j.is_object() && j.contains("error")) {
    run.why_not = j["error"].get<std::string>();
  } else if (!j.is_object() || status != 0) {
    const std::string tail = output.size() > 400 ? output.substr(output.size() - 400) : output;
    run.why_not = "python3 " + script + " exited with status " +
                  std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ": " + tail;
  } else {
    run.available = true;
    run.result = std::move(j);
  }
  return run;
}

}  // namespace tailor::bench
