#include "bench/conv_micro.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>
#include <set>
#include <sstream>
#include <tuple>

#include "bench/conv_impls.h"
#include "bench/conv_verify.h"
#include "bench/peer.h"
#include "bench/roofline.h"
#include "runtime/cpu_features.h"
#include "runtime/error.h"
#include "runtime/io/atomic_file.h"
#include "runtime/thread_pool.h"

#ifdef TAILOR_WITH_OPENBLAS
#include <cblas.h>

#include <cstdlib>
#endif

namespace tailor::bench {

const std::vector<std::string>& known_kernel_impls() {
  static const std::vector<std::string> names{"cpu", "cpu-openblas", "cuda-handwritten",
                                              "cuda-cudnn", "cuda-cublas"};
  return names;
}

namespace {

// Values in [-1, 1) from a seeded 64-bit LCG.
std::vector<float> random_buffer(int64_t n, uint64_t seed) {
  uint64_t state = seed * 0x9E3779B97F4A7C15ull + 1;
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    x = static_cast<float>(state >> 40) * (2.f / 16777216.f) - 1.f;
  }
  return v;
}

std::string depth_text(float d) {
  std::ostringstream os;
  os << std::fixed << std::setprecision(2) << d;
  return os.str();
}

// (kind, pass, batch, depth, shape): identifies a case across Tailor's and the peer's lists.
using CaseKey = std::tuple<int, int, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t>;
CaseKey key_of(ConvKind kind, ConvPass pass, int64_t batch, int64_t h, int64_t w, int64_t c,
               int64_t out_c, int64_t stride) {
  return {static_cast<int>(kind), static_cast<int>(pass), batch, h, w, c, out_c, stride};
}
CaseKey key_of(const ConvCase& c) {
  return key_of(c.kind, c.pass, c.g.batch, c.g.in_h, c.g.in_w, c.g.in_c, c.g.out_c, c.g.stride);
}

nlohmann::json shape_json(const ConvCase& c) {
  return {{"input", {c.g.batch, c.g.in_h, c.g.in_w, c.g.in_c}},
          {"kernel", {c.g.kernel_h, c.g.kernel_w}},
          {"out_channels", c.g.out_c},
          {"stride", c.g.stride}};
}

void print_header(std::ostream& out) {
  out << std::left << std::setw(10) << "op" << std::setw(16) << "pass" << std::setw(17) << "impl"
      << std::setw(6) << "depth" << std::right << std::setw(6) << "batch"
      << "  " << std::left << std::setw(20) << "shape" << std::right << std::setw(10) << "time_ms"
      << std::setw(9) << "GFLOP/s" << std::setw(8) << "GB/s" << std::setw(7) << "roof%"
      << std::setw(8) << "vs_lib" << std::setw(10) << "max_abs" << std::setw(10) << "max_rel"
      << "  status\n";
}

void print_row(std::ostream& out, const KernelResult& r) {
  out << std::left << std::setw(10) << conv_kind_name(r.c.kind) << std::setw(16)
      << conv_pass_name(r.c.pass) << std::setw(17) << r.impl << std::setw(6)
      << depth_text(r.c.depth_multiplier) << std::right << std::setw(6) << r.c.g.batch << "  "
      << std::left << std::setw(20) << r.c.shape_text() << std::right << std::fixed
      << std::setprecision(3) << std::setw(10) << r.timing.median_ms << std::setprecision(1)
      << std::setw(9) << r.gflops() << std::setw(8) << r.gbps() << std::setw(7) << r.roofline_pct;
  if (r.ratio_vs_library >= 0)
    out << std::setprecision(2) << std::setw(8) << r.ratio_vs_library;
  else
    out << std::setw(8) << "-";
  out << std::scientific << std::setprecision(1) << std::setw(10) << r.max_abs_err << std::setw(10)
      << r.max_rel_err << std::defaultfloat << "  " << (r.verified ? "ok" : "FAIL") << "\n"
      << std::flush;
}

nlohmann::json result_json(const KernelResult& r) {
  nlohmann::json e;
  e["op"] = conv_kind_name(r.c.kind);
  e["pass"] = conv_pass_name(r.c.pass);
  e["impl"] = r.impl;
  e["shape"] = shape_json(r.c);
  e["batch"] = r.c.g.batch;
  e["time_ms"] = r.timing.median_ms;
  e["gflops"] = r.gflops();
  e["gbps"] = r.gbps();
  e["roofline_pct"] = r.roofline_pct;
  e["ratio_vs_library"] =
      r.ratio_vs_library >= 0 ? nlohmann::json(r.ratio_vs_library) : nlohmann::json();
  e["max_abs_err"] = r.max_abs_err;
  e["verified"] = r.verified;
  // Beyond the required keys: what a reader needs to reproduce or weigh a row.
  e["layer"] = r.c.layer;
  e["depth_multiplier"] = r.c.depth_multiplier;
  e["max_rel_err"] = r.max_rel_err;
  e["checked_elements"] = r.checked;
  e["min_ms"] = r.timing.min_ms;
  e["reps"] = r.timing.reps;
  if (r.peer_ms > 0) e["pytorch_ms"] = r.peer_ms;
  return e;
}

std::string csv_text(const std::vector<KernelResult>& results) {
  std::ostringstream os;
  os << "op,pass,impl,layer,depth_multiplier,batch,input_nhwc,kernel,stride,out_channels,time_ms,"
        "gflops,gbps,roofline_pct,ratio_vs_library,max_abs_err,max_rel_err,verified,pytorch_ms\n";
  os << std::setprecision(6);
  for (const KernelResult& r : results) {
    const kernels::ConvGeometry& g = r.c.g;
    os << conv_kind_name(r.c.kind) << "," << conv_pass_name(r.c.pass) << "," << r.impl << ","
       << r.c.layer << "," << r.c.depth_multiplier << "," << g.batch << "," << g.batch << "x"
       << g.in_h << "x" << g.in_w << "x" << g.in_c << "," << g.kernel_h << "x" << g.kernel_w << ","
       << g.stride << "," << g.out_c << "," << r.timing.median_ms << "," << r.gflops() << ","
       << r.gbps() << "," << r.roofline_pct << ",";
    if (r.ratio_vs_library >= 0) os << r.ratio_vs_library;
    os << "," << r.max_abs_err << "," << r.max_rel_err << "," << (r.verified ? "true" : "false")
       << ",";
    if (r.peer_ms > 0) os << r.peer_ms;
    os << "\n";
  }
  return os.str();
}

std::vector<ConvImpl> select_impls(const KernelBenchOptions& options, KernelBenchReport* report) {
  for (const std::string& name : options.impls)
    if (std::find(known_kernel_impls().begin(), known_kernel_impls().end(), name) ==
        known_kernel_impls().end())
      throw UsageError("--impl: unknown implementation '" + name +
                       "' (known: cpu, cpu-openblas, cuda-handwritten, cuda-cudnn, cuda-cublas)");
  std::vector<ConvImpl> available;
  if (options.device == "cuda") {
    std::string why;
    available = cuda_conv_impls(&why);
    if (available.empty()) report->skipped.push_back("cuda: skipped (" + why + ")");
  } else {
    available = cpu_conv_impls();
  }
  std::vector<ConvImpl> chosen;
  for (ConvImpl& impl : available)
    if (options.impls.empty() ||
        std::find(options.impls.begin(), options.impls.end(), impl.name) != options.impls.end())
      chosen.push_back(std::move(impl));
  for (const std::string& name : options.impls) {
    const bool found = std::any_of(chosen.begin(), chosen.end(),
                                   [&](const ConvImpl& i) { return i.name == name; });
    if (!found && report->skipped.empty())
      report->skipped.push_back(name + ": skipped (not built or not on device " + options.device +
                                ")");
  }
  return chosen;
}

// Matches the peer's kernel timings to Tailor's cases and prints Tailor/PyTorch ratios for the
// device's own implementation ("cpu" or "cuda-handwritten").
void add_peer(const KernelBenchOptions& options, KernelBenchReport* report, std::ostream& out) {
  // The shapes go to the peer as a file: it times exactly Tailor's cases.
  const std::string ours = options.device == "cuda" ? "cuda-handwritten" : "cpu";
  nlohmann::json list = nlohmann::json::array();
  for (const KernelResult& r : report->results)
    if (r.impl == ours)
      list.push_back({{"op", conv_kind_name(r.c.kind)},
                      {"pass", conv_pass_name(r.c.pass)},
                      {"shape", shape_json(r.c)}});
  const std::string cases_path = (std::filesystem::temp_directory_path() /
                                  ("tailor_bench_cases_" + std::to_string(getpid()) + ".json"))
                                     .string();
  io::write_file_atomic(cases_path, list.dump() + "\n");
  std::vector<std::string> args{"kernels",
                                "--device",
                                options.device,
                                "--cases",
                                cases_path,
                                "--threads",
                                std::to_string(num_threads())};
  if (options.quick) args.push_back("--quick");
  out << "\npeer pytorch: running " << pytorch_peer_script() << " kernels...\n" << std::flush;
  const PeerRun peer = run_pytorch_peer(args);
  std::filesystem::remove(cases_path);
  if (!peer.available) {
    out << "peer pytorch: unavailable (" << peer.why_not << ")\n";
    return;
  }
  std::map<CaseKey, double> peer_ms;
  for (const nlohmann::json& k : peer.result.value("kernels", nlohmann::json::array())) {
    const ConvKind kind = k.at("op") == "depthwise" ? ConvKind::Depthwise : ConvKind::Pointwise;
    const std::string p = k.at("pass");
    const ConvPass pass = p == "forward"         ? ConvPass::Forward
                          : p == "backward-data" ? ConvPass::BackwardData
                                                 : ConvPass::BackwardFilter;
    const nlohmann::json& in = k.at("shape").at("input");
    peer_ms[key_of(kind, pass, in[0], in[1], in[2], in[3], k.at("shape").at("out_channels"),
                   k.at("shape").at("stride"))] = k.at("time_ms");
  }
  out << "peer pytorch: " << peer.result.value("peer", std::string("torch")) << "\n";
  out << "Tailor (" << ours << ") / PyTorch time; < 1 means Tailor is faster\n";
  out << std::left << std::setw(10) << "op" << std::setw(16) << "pass" << std::setw(6) << "depth"
      << std::right << std::setw(6) << "batch"
      << "  " << std::left << std::setw(20) << "shape" << std::right << std::setw(11) << "tailor_ms"
      << std::setw(11) << "torch_ms" << std::setw(8) << "ratio\n";
  // Per (batch, op, pass) totals: where the time goes relative to the peer.
  std::map<std::tuple<int64_t, int, int>, std::pair<double, double>> totals;
  for (KernelResult& r : report->results) {
    if (r.impl != ours) continue;
    auto it = peer_ms.find(key_of(r.c));
    if (it == peer_ms.end()) continue;
    r.peer_ms = it->second;
    auto& t = totals[{r.c.g.batch, static_cast<int>(r.c.kind), static_cast<int>(r.c.pass)}];
    t.first += r.timing.median_ms;
    t.second += r.peer_ms;
    out << std::left << std::setw(10) << conv_kind_name(r.c.kind) << std::setw(16)
        << conv_pass_name(r.c.pass) << std::setw(6) << depth_text(r.c.depth_multiplier)
        << std::right << std::setw(6) << r.c.g.batch << "  " << std::left << std::setw(20)
        << r.c.shape_text() << std::right << std::fixed << std::setprecision(3) << std::setw(11)
        << r.timing.median_ms << std::setw(11) << r.peer_ms << std::setprecision(2) << std::setw(8)
        << r.timing.median_ms / r.peer_ms << std::defaultfloat << "\n";
  }
  out << "totals over the shapes (all depths):\n";
  for (const auto& [k, t] : totals)
    out << "  batch " << std::get<0>(k) << " " << conv_kind_name(ConvKind(std::get<1>(k))) << " "
        << conv_pass_name(ConvPass(std::get<2>(k))) << ": tailor " << std::fixed
        << std::setprecision(2) << t.first << " ms, pytorch " << t.second << " ms, ratio "
        << t.first / t.second << std::defaultfloat << "\n";
}

}  // namespace

KernelBenchReport run_kernel_bench(const KernelBenchOptions& options, std::ostream& out) {
  if (!options.peer.empty()) check_peer_name(options.peer);
  KernelBenchReport report;
  const std::vector<ConvImpl> impls = select_impls(options, &report);
  for (const std::string& s : report.skipped) out << s << "\n";
  if (impls.empty()) return report;
  for (const ConvImpl& impl : impls) report.impls_run.push_back(impl.name);

  const std::vector<ConvCase> cases =
      options.quick ? quick_conv_cases()
                    : ssd_mobilenet_conv_cases(options.depths, options.batches, options.passes);
  const TimingPlan plan = options.quick ? TimingPlan{1, 3, 3, 0.0} : TimingPlan{3, 9, 60, 0.4};
#ifdef TAILOR_WITH_OPENBLAS
  openblas_set_num_threads(num_threads());
#endif
  const Roofline& roof = options.device == "cuda" ? cuda_roofline() : cpu_roofline();

  out << "cpu: " << cpu_brand() << ", " << num_threads() << " threads, kernels "
      << simd_level_name(simd_level()) << "\n";
  out << "peer library: " << openblas_description() << "\n";
#ifdef TAILOR_WITH_OPENBLAS
  if (!std::getenv("OPENBLAS_CORETYPE"))
    out << "note: OpenBLAS 0.3.21 misdetects Zen 5; for a fair peer run as "
           "OPENBLAS_CORETYPE=SkylakeX tailor bench kernels\n";
#endif
  out << std::fixed << std::setprecision(1) << "roofline (" << roof.device << ", measured): copy "
      << roof.copy_gbps << " GB/s";
  if (roof.triad_gbps > 0) out << ", triad " << roof.triad_gbps << " GB/s";
  out << ", SGEMM " << roof.sgemm_gflops << " GFLOP/s (" << roof.sgemm_source << ")\n"
      << std::defaultfloat;
  out << "implementations: ";
  for (size_t i = 0; i < impls.size(); ++i) out << (i ? ", " : "") << impls[i].name;
  out << "\nmedian of >= " << plan.min_reps << " runs after " << plan.warmup << " warm-up ("
      << (options.device == "cuda" ? "CUDA events" : "steady_clock")
      << "); GB/s counts operands in + result out once; vs_lib = library time / this time;\n"
         "roof% is against the memory roofline, so shapes that stay in cache can pass 100\n\n";
  print_header(out);

  // One case at a time: operands, the reference, then each implementation verified and timed.
  // The library's runs never overlap another's timing (OpenBLAS threads spin briefly after a
  // call; the next case's data generation and reference absorb that).
  for (size_t ci = 0; ci < cases.size(); ++ci) {
    const ConvCase& c = cases[ci];
    if (!std::any_of(impls.begin(), impls.end(), [&](const ConvImpl& i) { return i.supports(c); }))
      continue;
    const std::vector<float> a = random_buffer(c.a_numel(), 2 * ci);
    const std::vector<float> b = random_buffer(c.b_numel(), 2 * ci + 1);
    const ConvReference ref = conv_reference(c, a.data(), b.data());
    const size_t first = report.results.size();
    for (const ConvImpl& impl : impls) {
      if (!impl.supports(c)) continue;
      KernelResult r;
      r.c = c;
      r.impl = impl.name;
      std::unique_ptr<PreparedConv> run = impl.prepare(c, a.data(), b.data());
      run->run();
      const ConvCheck check = check_result(c, ref, run->result());
      r.max_abs_err = check.max_abs_err;
      r.max_rel_err = check.max_rel_err;
      r.checked = check.checked;
      r.verified = check.ok;
      r.timing = run->time(plan);
      r.roofline_pct = roof.percent(c.flops(), c.bytes(), r.timing.median_ms);
      report.results.push_back(r);
    }
    const std::string library = library_impl_name(options.device, c.kind);
    double library_ms = -1;
    for (size_t i = first; i < report.results.size(); ++i)
      if (report.results[i].impl == library) library_ms = report.results[i].timing.median_ms;
    for (size_t i = first; i < report.results.size(); ++i) {
      KernelResult& r = report.results[i];
      if (library_ms > 0) r.ratio_vs_library = library_ms / r.timing.median_ms;
      report.all_verified = report.all_verified && r.verified;
      print_row(out, r);
    }
  }

  // Where the time goes: per implementation, batch and pass, the summed time of all shapes.
  out << "\ntotals per implementation (ms summed over the shapes, all depths):\n";
  std::map<std::tuple<std::string, int64_t, int, int>, double> totals;
  for (const KernelResult& r : report.results)
    totals[{r.impl, r.c.g.batch, static_cast<int>(r.c.kind), static_cast<int>(r.c.pass)}] +=
        r.timing.median_ms;
  for (const auto& [k, ms] : totals)
    out << "  " << std::left << std::setw(17) << std::get<0>(k) << " batch " << std::setw(3)
        << std::get<1>(k) << " " << std::setw(10) << conv_kind_name(ConvKind(std::get<2>(k)))
        << std::setw(16) << conv_pass_name(ConvPass(std::get<3>(k))) << std::right << std::fixed
        << std::setprecision(2) << std::setw(10) << ms << std::defaultfloat << "\n";

  if (!options.peer.empty()) add_peer(options, &report, out);

  out << (report.all_verified ? "all results match the reference\n"
                              : "FAIL: some results do not match the reference\n");
  if (!options.json_path.empty()) {
    nlohmann::json j = nlohmann::json::array();
    for (const KernelResult& r : report.results) j.push_back(result_json(r));
    io::write_file_atomic(options.json_path, j.dump(2) + "\n");
  }
  if (!options.csv_path.empty()) io::write_file_atomic(options.csv_path, csv_text(report.results));
  return report;
}

}  // namespace tailor::bench
