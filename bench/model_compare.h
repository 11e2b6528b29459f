#pragma once
// `tailor bench model`'s rows beside the peers' (bench/peers/pytorch_ssd_mobilenet_v1.py):
// the side-by-side tables, the slowdown under background load, and with --rounds the ratios
// of every round summarized, since on a machine whose speed drifts only ratios taken in the
// same minute compare like with like.
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench/model_bench.h"

namespace tailor::bench {

// One round: Tailor timed, then the peers, then (under --background-load) both again loaded.
struct ModelBenchRound {
  std::vector<ModelBenchRow> rows, loaded_rows;
  nlohmann::json peers, loaded_peers;  // run_peers' object; null when not run
};

// A peer's value for `key` ("infer_forward_ms", "infer_ms", "train_step_ms") at `batch`, 0 when
// the peer did not run or has no such row.
double peer_value(const nlohmann::json& peers, const std::string& name, int batch, const char* key);

// Forward-only and forward + post-processing, Tailor beside every peer, and the ratios.
void print_comparison(const std::vector<ModelBenchRow>& rows, const nlohmann::json& peers,
                      std::ostream& out);

// Quiet against loaded: how much each step slowed.
void print_slowdown(const std::vector<ModelBenchRow>& quiet, const nlohmann::json& quiet_peers,
                    const std::vector<ModelBenchRow>& loaded, const nlohmann::json& loaded_peers,
                    int processes, std::ostream& out);

// The ratios the issue targets, per batch and round: Tailor's forward (and forward +
// post-processing) over the faster of ONNX Runtime and OpenVINO, its training step over
// PyTorch's, and under load each one's loaded / quiet training step. Absent ratios are left out.
nlohmann::json round_ratios(const std::vector<ModelBenchRound>& rounds);

// round_ratios' min / median / max over the rounds, one line per batch and ratio.
void print_round_summary(const nlohmann::json& ratios, std::ostream& out);

}  // namespace tailor::bench
