#pragma once
// Peers run side by side with Tailor in one invocation: `--peer pytorch` runs
// bench/peers/pytorch_ssd_mobilenet_v1.py in a python3 subprocess and reads its JSON. When the
// peer cannot run (no python3, torch not importable) the bench says why and carries on.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace tailor::bench {

// Throws UsageError for any peer name but "pytorch".
void check_peer_name(const std::string& name);
// "pytorch,onnxruntime,openvino" (any of them, any order) as a list; "" gives none. Throws
// UsageError naming an unknown one.
std::vector<std::string> parse_peer_list(const std::string& list);

struct PeerRun {
  bool available = false;
  std::string why_not;  // when !available
  nlohmann::json result;
};

// The script: $TAILOR_PEER_SCRIPT, else the source tree's bench/peers/ (compiled in), else
// bench/peers/ under the working directory.
std::string pytorch_peer_script();

// Runs `python3 <script> <args...>`; the script prints one JSON object on stdout, or
// {"error": "..."} when torch is missing.
PeerRun run_pytorch_peer(const std::vector<std::string>& args);

}  // namespace tailor::bench
