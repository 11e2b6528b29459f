#include "bench/conv_micro.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iomanip>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>
#include <set>
#include <sstream>
#include <tuple>

#include "engine/cpu_features.h"
#include "engine/io/atomic_file.h"
#include "engine/thread_pool.h"
#include "kernels/cpu/conv2d.h"
#include "kernels/cpu/depthwise_conv.h"
#include "kernels/cpu/sgemm.h"
#include "models/ssd_architecture.h"

#ifdef TAILOR_WITH_OPENBLAS
#include <cblas.h>
#endif

namespace tailor::bench {

namespace k = kernels::cpu;

const char* conv_kind_name(ConvKind kind) {
  return kind == ConvKind::Depthwise ? "depthwise" : "pointwise";
}

int64_t ConvCase::weight_numel() const {
  return g.kernel_h * g.kernel_w * g.in_c * (kind == ConvKind::Depthwise ? 1 : g.out_c);
}

double ConvCase::flops() const {
  const double per_output =
      double(g.kernel_h * g.kernel_w) * (kind == ConvKind::Depthwise ? 1 : g.in_c);
  return 2.0 * per_output * double(g.output_numel());
}

double ConvCase::bytes() const {
  return 4.0 * double(g.input_numel() + g.output_numel() + weight_numel());
}

double ConvResult::gflops() const {
  return c->flops() / (timing.median_ms * 1e6);
}
double ConvResult::gbps() const {
  return c->bytes() / (timing.median_ms * 1e6);
}

std::vector<ConvCase> ssd_mobilenet_conv_cases(const std::vector<int>& batches) {
  models::SsdConfig config;  // 300x300, depth multiplier 1.0
  const models::SsdArchitecture arch = models::build_ssd_architecture(config);
  std::vector<ConvCase> cases;
  for (int batch : batches) {
    std::set<std::tuple<int, int, int, int, int, int>> seen;
    for (const models::LayerSpec& l : arch.layers) {
      const bool depthwise = l.kind == models::LayerKind::Depthwise && l.kernel == 3;
      const bool pointwise = l.kind == models::LayerKind::Conv && l.kernel == 1 && l.stride == 1;
      if (!depthwise && !pointwise) continue;
      if (!seen.insert(
                   {depthwise, l.in_height, l.in_width, l.in_channels, l.out_channels, l.stride})
               .second)
        continue;
      ConvCase c;
      c.layer = l.scope.substr(l.scope.find_last_of('/') + 1);
      c.kind = depthwise ? ConvKind::Depthwise : ConvKind::Pointwise;
      c.g = kernels::make_conv_geometry(batch, l.in_height, l.in_width, l.in_channels, l.kernel,
                                        l.kernel, l.out_channels, l.stride, kernels::Padding::Same);
      cases.push_back(c);
    }
  }
  return cases;
}

std::vector<ConvImpl> cpu_conv_impls() {
  std::vector<ConvImpl> impls;
  impls.push_back({"tailor", [](const ConvCase&) { return true; },
                   [](const ConvCase& c, const float* x, const float* w, float* y) {
                     if (c.kind == ConvKind::Depthwise)
                       k::depthwise_conv2d_forward(c.g, x, w, y);
                     else
                       k::pointwise_conv2d_forward(c.g, x, w, y);
                   }});
#ifdef TAILOR_WITH_OPENBLAS
  impls.push_back({"openblas", [](const ConvCase& c) { return c.kind == ConvKind::Pointwise; },
                   [](const ConvCase& c, const float* x, const float* w, float* y) {
                     const int64_t M = c.g.batch * c.g.in_h * c.g.in_w;
                     cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, c.g.out_c, c.g.in_c,
                                 1.f, x, c.g.in_c, w, c.g.out_c, 0.f, y, c.g.out_c);
                   }});
#endif
  return impls;
}

std::string baseline_impl_name(ConvKind kind) {
#ifdef TAILOR_WITH_OPENBLAS
  if (kind == ConvKind::Pointwise) return "openblas";
#endif
  return "";
}

std::string openblas_description() {
#ifdef TAILOR_WITH_OPENBLAS
  const char* env = std::getenv("OPENBLAS_CORETYPE");
  std::ostringstream os;
  os << "OpenBLAS core " << openblas_get_corename() << ", " << openblas_get_num_threads()
     << " threads, OPENBLAS_CORETYPE=" << (env ? env : "(unset)");
  return os.str();
#else
  return "not built";
#endif
}

Timing time_runs(const std::function<void()>& fn, int warmup, int min_reps, int max_reps,
                 double min_seconds) {
  using clock = std::chrono::steady_clock;
  for (int i = 0; i < warmup; ++i) fn();
  std::vector<double> ms;
  const auto start = clock::now();
  while (static_cast<int>(ms.size()) < max_reps) {
    const auto t0 = clock::now();
    fn();
    const auto t1 = clock::now();
    ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    const double elapsed = std::chrono::duration<double>(t1 - start).count();
    if (static_cast<int>(ms.size()) >= min_reps && elapsed >= min_seconds) break;
  }
  std::sort(ms.begin(), ms.end());
  Timing t;
  t.reps = static_cast<int>(ms.size());
  t.min_ms = ms.front();
  t.median_ms =
      ms.size() % 2 ? ms[ms.size() / 2] : 0.5 * (ms[ms.size() / 2 - 1] + ms[ms.size() / 2]);
  return t;
}

namespace {

// Values in [-1, 1) from a seeded 64-bit LCG: cheap enough to regenerate the inputs of a case
// for timing instead of holding every case's buffers at once.
std::vector<float> random_buffer(int64_t n, uint64_t seed) {
  uint64_t state = seed * 0x9E3779B97F4A7C15ull + 1;
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    x = static_cast<float>(state >> 40) * (2.f / 16777216.f) - 1.f;
  }
  return v;
}

void reference(const ConvCase& c, const float* x, const float* w, float* y) {
  if (c.kind == ConvKind::Depthwise) return k::depthwise_conv2d_forward_ref(c.g, x, w, y);
  const int64_t M = c.g.batch * c.g.in_h * c.g.in_w;
  k::sgemm_ref(false, false, M, c.g.out_c, c.g.in_c, 1.f, x, c.g.in_c, w, c.g.out_c, 0.f, y,
               c.g.out_c);
}

// Float rounding of a dot product of values in [-1, 1] grows at most linearly with its length.
double tolerance(const ConvCase& c) {
  const double terms =
      double(c.g.kernel_h * c.g.kernel_w) * (c.kind == ConvKind::Depthwise ? 1 : c.g.in_c);
  return 4e-6 * (terms + 4);
}

std::string shape_text(const ConvCase& c) {
  std::ostringstream os;
  os << c.g.in_h << "x" << c.g.in_w << "x" << c.g.in_c << "->" << c.g.out_c;
  if (c.g.stride != 1) os << " s" << c.g.stride;
  return os.str();
}

}  // namespace

bool run_kernel_bench(const KernelBenchOptions& options, std::ostream& out) {
  const std::vector<ConvCase> cases = ssd_mobilenet_conv_cases(options.batches);
  const std::vector<ConvImpl> impls = cpu_conv_impls();
  const int warmup = options.quick ? 1 : 3, min_reps = options.quick ? 3 : 9;
  const int max_reps = options.quick ? 10 : 60;
  const double min_seconds = options.quick ? 0.05 : 0.4;
#ifdef TAILOR_WITH_OPENBLAS
  openblas_set_num_threads(num_threads());
#endif

  out << "cpu: " << cpu_brand() << ", " << num_threads() << " threads, kernels "
      << simd_level_name(simd_level()) << "\n";
  out << "peer: " << openblas_description() << "\n";
#ifdef TAILOR_WITH_OPENBLAS
  if (!std::getenv("OPENBLAS_CORETYPE"))
    out << "note: OpenBLAS 0.3.21 misdetects Zen 5; for a fair peer run as "
           "OPENBLAS_CORETYPE=SkylakeX tailor bench kernels\n";
#endif
  out << "forward, median of >= " << min_reps << " runs after " << warmup << " warm-up\n\n";

  // Verification first, for every (case, implementation), against one reference per case.
  // Timing second, one implementation at a time: OpenBLAS's idle threads spin for a while
  // after each call, which would steal a core from whatever runs right after it.
  std::vector<ConvResult> results;
  for (size_t ci = 0; ci < cases.size(); ++ci) {
    const ConvCase& c = cases[ci];
    const std::vector<float> x = random_buffer(c.g.input_numel(), 2 * ci);
    const std::vector<float> w = random_buffer(c.weight_numel(), 2 * ci + 1);
    std::vector<float> expected(static_cast<size_t>(c.g.output_numel()));
    reference(c, x.data(), w.data(), expected.data());
    std::vector<float> y(expected.size());
    for (const ConvImpl& impl : impls) {
      if (!impl.supports(c)) continue;
      ConvResult r;
      r.c = &c;
      r.impl = impl.name;
      std::fill(y.begin(), y.end(), std::nanf(""));
      impl.run(c, x.data(), w.data(), y.data());
      double err = 0;
      for (size_t i = 0; i < y.size(); ++i) {
        const double d = std::fabs(double(y[i]) - expected[i]);
        err = std::isnan(d) ? INFINITY : std::max(err, d);
      }
      r.max_abs_err = err;
      r.ok = err <= tolerance(c);
      results.push_back(r);
    }
  }
  for (const ConvImpl& impl : impls) {
    for (ConvResult& r : results) {
      if (r.impl != impl.name) continue;
      const ConvCase& c = *r.c;
      const size_t ci = static_cast<size_t>(&c - cases.data());
      const std::vector<float> x = random_buffer(c.g.input_numel(), 2 * ci);
      const std::vector<float> w = random_buffer(c.weight_numel(), 2 * ci + 1);
      std::vector<float> y(static_cast<size_t>(c.g.output_numel()));
      r.timing = time_runs([&] { impl.run(c, x.data(), w.data(), y.data()); }, warmup, min_reps,
                           max_reps, min_seconds);
    }
  }
  // Table rows grouped by case, implementations in list order.
  std::stable_sort(results.begin(), results.end(),
                   [](const ConvResult& a, const ConvResult& b) { return a.c < b.c; });

  // Baseline times per case, for the ratio column (peer time / our time: > 1 means faster).
  std::map<const ConvCase*, double> baseline_ms;
  for (const ConvResult& r : results)
    if (r.impl == baseline_impl_name(r.c->kind)) baseline_ms[r.c] = r.timing.median_ms;

  out << std::left << std::setw(50) << "layer" << std::setw(10) << "kind" << std::right
      << std::setw(6) << "batch"
      << "  " << std::left << std::setw(22) << "shape" << std::setw(9) << "impl" << std::right
      << std::setw(10) << "time_ms" << std::setw(10) << "GFLOP/s" << std::setw(9) << "GB/s"
      << std::setw(10) << "vs_blas" << std::setw(11) << "max_err"
      << "  status\n";
  bool all_ok = true;
  for (const ConvResult& r : results) {
    all_ok = all_ok && r.ok;
    out << std::left << std::setw(50) << r.c->layer << std::setw(10) << conv_kind_name(r.c->kind)
        << std::right << std::setw(6) << r.c->g.batch << "  " << std::left << std::setw(22)
        << shape_text(*r.c) << std::setw(9) << r.impl << std::right << std::fixed
        << std::setprecision(3) << std::setw(10) << r.timing.median_ms << std::setprecision(1)
        << std::setw(10) << r.gflops() << std::setw(9) << r.gbps();
    auto base = baseline_ms.find(r.c);
    if (base != baseline_ms.end() && r.impl != baseline_impl_name(r.c->kind))
      out << std::setprecision(2) << std::setw(10) << base->second / r.timing.median_ms;
    else
      out << std::setw(10) << "-";
    out << std::scientific << std::setprecision(1) << std::setw(11) << r.max_abs_err
        << std::defaultfloat << "  " << (r.ok ? "ok" : "FAIL") << "\n";
  }

  // Aggregates per batch: pointwise throughput relative to the peer over all shapes (and the
  // worst single shape); depthwise effective bandwidth over all shapes (and the worst).
  out << "\nsummary (tailor):\n";
  for (int batch : options.batches) {
    double pw_ours = 0, pw_peer = 0, worst_ratio = INFINITY, dw_bytes = 0, dw_ms = 0;
    double worst_gbps = INFINITY;
    for (const ConvResult& r : results) {
      if (r.c->g.batch != batch || r.impl != "tailor") continue;
      if (r.c->kind == ConvKind::Depthwise) {
        dw_bytes += r.c->bytes();
        dw_ms += r.timing.median_ms;
        worst_gbps = std::min(worst_gbps, r.gbps());
      } else if (baseline_ms.count(r.c)) {
        pw_ours += r.timing.median_ms;
        pw_peer += baseline_ms[r.c];
        worst_ratio = std::min(worst_ratio, baseline_ms[r.c] / r.timing.median_ms);
      }
    }
    out << std::fixed << std::setprecision(2) << "  batch " << batch << ": depthwise "
        << dw_bytes / (dw_ms * 1e6) << " GB/s aggregate (worst shape " << worst_gbps << " GB/s)";
    if (pw_ours > 0)
      out << "; pointwise " << 100.0 * pw_peer / pw_ours << "% of OpenBLAS aggregate (worst shape "
          << 100.0 * worst_ratio << "%)";
    out << std::defaultfloat << "\n";
  }
  out << (all_ok ? "all results match the reference\n"
                 : "FAIL: some results do not match the reference\n");

  if (!options.json_path.empty()) {
    nlohmann::json j;
    j["cpu"] = cpu_brand();
    j["threads"] = num_threads();
    j["simd"] = simd_level_name(simd_level());
    j["peer"] = openblas_description();
    j["results"] = nlohmann::json::array();
    for (const ConvResult& r : results) {
      nlohmann::json e;
      e["layer"] = r.c->layer;
      e["kind"] = conv_kind_name(r.c->kind);
      e["pass"] = "forward";
      e["batch"] = r.c->g.batch;
      e["in"] = {r.c->g.in_h, r.c->g.in_w, r.c->g.in_c};
      e["out_c"] = r.c->g.out_c;
      e["stride"] = r.c->g.stride;
      e["impl"] = r.impl;
      e["median_ms"] = r.timing.median_ms;
      e["min_ms"] = r.timing.min_ms;
      e["reps"] = r.timing.reps;
      e["gflops"] = r.gflops();
      e["gbps"] = r.gbps();
      e["max_abs_err"] = r.max_abs_err;
      e["ok"] = r.ok;
      j["results"].push_back(e);
    }
    io::write_file_atomic(options.json_path, j.dump(2) + "\n");
  }
  return all_ok;
}

}  // namespace tailor::bench
