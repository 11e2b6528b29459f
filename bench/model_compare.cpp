#include "bench/model_compare.h"

#include <algorithm>
#include <iomanip>
#include <ostream>
#include <sstream>

#include "bench/timing.h"

namespace tailor::bench {

namespace {

// A peer's row for `batch`, or null.
const nlohmann::json* peer_row(const nlohmann::json& peers, const std::string& name, int batch) {
  if (!peers.contains(name) || !peers[name].contains("model")) return nullptr;
  for (const nlohmann::json& r : peers[name]["model"])
    if (r.value("batch", 0) == batch) return &r;
  return nullptr;
}

std::string ms(double v) {
  if (!(v > 0)) return "-";
  std::ostringstream s;
  s << std::fixed << std::setprecision(1) << v;
  return s.str();
}

std::string ratio(double a, double b) {
  if (!(a > 0 && b > 0)) return "-";
  std::ostringstream s;
  s << std::fixed << std::setprecision(2) << a / b;
  return s.str();
}

}  // namespace

double peer_value(const nlohmann::json& peers, const std::string& name, int batch,
                  const char* key) {
  const nlohmann::json* r = peer_row(peers, name, batch);
  return r ? r->value(key, 0.0) : 0.0;
}

// Forward-only and forward + post-processing, Tailor beside every peer, and the ratios.
void print_comparison(const std::vector<ModelBenchRow>& rows, const nlohmann::json& peers,
                      std::ostream& out) {
  const std::vector<std::string> names = {"pytorch", "onnxruntime", "openvino"};
  std::vector<std::string> present;
  for (const std::string& n : names)
    if (peers.contains(n) && !peers[n].contains("error")) present.push_back(n);
  if (present.empty()) return;
  auto table = [&](const char* title, const char* key, bool tailor_forward) {
    out << "\n"
        << title << ", ms (ratio: Tailor / peer, < 1: Tailor faster)\n"
        << std::setw(6) << "batch" << std::setw(10) << "tailor";
    for (const std::string& n : present) out << std::setw(13) << n << std::setw(8) << "ratio";
    out << "\n";
    for (const ModelBenchRow& r : rows) {
      const double t = tailor_forward ? r.forward_ms : r.infer_ms;
      out << std::setw(6) << r.batch << std::setw(10) << ms(t);
      for (const std::string& n : present) {
        const double p = peer_value(peers, n, r.batch, key);
        out << std::setw(13) << ms(p) << std::setw(8) << ratio(t, p);
      }
      out << "\n";
    }
  };
  table("forward only", "infer_forward_ms", true);
  table("forward + post-processing (box decoding, sigmoid, per-class NMS)", "infer_ms", false);
  if (std::find(present.begin(), present.end(), "pytorch") != present.end()) {
    out << "\ntraining step, ms\n"
        << std::setw(6) << "batch" << std::setw(10) << "tailor" << std::setw(13) << "pytorch"
        << std::setw(8) << "ratio\n";
    for (const ModelBenchRow& r : rows) {
      const double p = peer_value(peers, "pytorch", r.batch, "train_step_ms");
      out << std::setw(6) << r.batch << std::setw(10) << ms(r.train_step_ms) << std::setw(13)
          << ms(p) << std::setw(8) << ratio(r.train_step_ms, p) << "\n";
    }
  }
}

// Quiet against loaded: how much each step slowed.
void print_slowdown(const std::vector<ModelBenchRow>& quiet, const nlohmann::json& quiet_peers,
                    const std::vector<ModelBenchRow>& loaded, const nlohmann::json& loaded_peers,
                    int processes, std::ostream& out) {
  out << "\nslowdown under --background-load " << processes
      << " (loaded / quiet time; the target for Tailor's training step is <= 1.25)\n"
      << std::setw(6) << "batch" << std::setw(14) << "tailor_train" << std::setw(14) << "tailor_fwd"
      << std::setw(15) << "pytorch_train" << std::setw(13) << "pytorch_fwd\n";
  for (size_t i = 0; i < quiet.size() && i < loaded.size(); ++i) {
    const int b = quiet[i].batch;
    out << std::setw(6) << b << std::setw(14)
        << ratio(loaded[i].train_step_ms, quiet[i].train_step_ms) << std::setw(14)
        << ratio(loaded[i].forward_ms, quiet[i].forward_ms) << std::setw(15)
        << ratio(peer_value(loaded_peers, "pytorch", b, "train_step_ms"),
                 peer_value(quiet_peers, "pytorch", b, "train_step_ms"))
        << std::setw(13)
        << ratio(peer_value(loaded_peers, "pytorch", b, "infer_forward_ms"),
                 peer_value(quiet_peers, "pytorch", b, "infer_forward_ms"))
        << "\n";
  }
}
namespace {

// The faster of ONNX Runtime and OpenVINO for `key` at `batch`, 0 when neither ran.
double faster_runtime(const nlohmann::json& peers, int batch, const char* key) {
  double best = 0;
  for (const char* name : {"onnxruntime", "openvino"}) {
    const double v = peer_value(peers, name, batch, key);
    if (v > 0 && (best == 0 || v < best)) best = v;
  }
  return best;
}

void put_ratio(nlohmann::json& into, const char* name, double a, double b) {
  if (a > 0 && b > 0) into[name] = a / b;
}

}  // namespace

nlohmann::json round_ratios(const std::vector<ModelBenchRound>& rounds) {
  nlohmann::json per_round = nlohmann::json::array();
  for (const ModelBenchRound& round : rounds) {
    nlohmann::json batches = nlohmann::json::array();
    for (size_t i = 0; i < round.rows.size(); ++i) {
      const ModelBenchRow& r = round.rows[i];
      nlohmann::json j = {{"batch", r.batch}};
      put_ratio(j, "forward_vs_faster_runtime", r.forward_ms,
                faster_runtime(round.peers, r.batch, "infer_forward_ms"));
      put_ratio(j, "inference_vs_faster_runtime", r.infer_ms,
                faster_runtime(round.peers, r.batch, "infer_ms"));
      put_ratio(j, "train_step_vs_pytorch", r.train_step_ms,
                peer_value(round.peers, "pytorch", r.batch, "train_step_ms"));
      if (i < round.loaded_rows.size()) {
        put_ratio(j, "train_step_loaded_vs_quiet", round.loaded_rows[i].train_step_ms,
                  r.train_step_ms);
        put_ratio(j, "pytorch_train_step_loaded_vs_quiet",
                  peer_value(round.loaded_peers, "pytorch", r.batch, "train_step_ms"),
                  peer_value(round.peers, "pytorch", r.batch, "train_step_ms"));
      }
      batches.push_back(std::move(j));
    }
    per_round.push_back(std::move(batches));
  }
  return per_round;
}

void print_round_summary(const nlohmann::json& ratios, std::ostream& out) {
  if (ratios.empty()) return;
  out << "\nratios over " << ratios.size()
      << " rounds, each taken within one round (min / median / max; < 1: Tailor faster)\n"
      << std::setw(6) << "batch"
      << "  " << std::left << std::setw(36) << "ratio" << std::right << std::setw(8) << "min"
      << std::setw(8) << "median" << std::setw(8) << "max" << std::setw(8) << "rounds\n";
  const char* names[] = {"forward_vs_faster_runtime", "inference_vs_faster_runtime",
                         "train_step_vs_pytorch", "train_step_loaded_vs_quiet",
                         "pytorch_train_step_loaded_vs_quiet"};
  for (size_t b = 0; b < ratios[0].size(); ++b)
    for (const char* name : names) {
      std::vector<double> v;
      for (const nlohmann::json& round : ratios)
        if (b < round.size() && round[b].contains(name)) v.push_back(round[b][name].get<double>());
      if (v.empty()) continue;
      std::sort(v.begin(), v.end());
      const double median = median_of(v).median_ms;
      out << std::setw(6) << ratios[0][b]["batch"].get<int>() << "  " << std::left << std::setw(36)
          << name << std::right << std::fixed << std::setprecision(2) << std::setw(8) << v.front()
          << std::setw(8) << median << std::setw(8) << v.back() << std::setw(7) << v.size() << "\n";
    }
}

}  // namespace tailor::bench
