// `tailor bench kernels`: the CPU convolution micro-benchmark (bench/conv_micro.h). OpenBLAS
// reads OPENBLAS_CORETYPE when the library loads, before main(), so it must be set on the
// command line: `OPENBLAS_CORETYPE=SkylakeX tailor bench kernels` on Zen 5.
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "app/command.h"
#include "bench/conv_micro.h"
#include "engine/error.h"

namespace tailor::app {
void register_bench_data(CLI::App& bench);  // app/cmd_data.cpp: `tailor bench data`
}  // namespace tailor::app

namespace {

struct KernelsArgs {
  std::string device = "cpu";
  std::vector<int> batches{1, 10};
  bool quick = false;
  std::string json;
};

void setup_bench(CLI::App& cmd) {
  cmd.require_subcommand(1);
  tailor::app::register_bench_data(cmd);
  auto args = std::make_shared<KernelsArgs>();
  CLI::App* kernels =
      cmd.add_subcommand("kernels",
                         "Depthwise 3x3 and pointwise 1x1 forward on the SSD-MobileNet-v1 shapes, "
                         "verified against the reference and timed (pointwise vs OpenBLAS)");
  kernels->add_option("--device", args->device, "Device to benchmark")
      ->check(CLI::IsMember({"cpu"}))
      ->capture_default_str();
  kernels->add_option("--batch", args->batches, "Batch sizes, comma separated")
      ->delimiter(',')
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  kernels->add_flag("--quick", args->quick, "Fewer repetitions (a smoke run, noisier numbers)");
  kernels->add_option("--json", args->json, "Also write the results as JSON to this file");
  kernels->callback([args] {
    tailor::bench::KernelBenchOptions options;
    options.batches = args->batches;
    options.quick = args->quick;
    options.json_path = args->json;
    if (!tailor::bench::run_kernel_bench(options, std::cout))
      throw std::runtime_error("bench kernels: results do not match the reference (see FAIL rows)");
  });
}

}  // namespace

TAILOR_COMMAND("bench", "Benchmarks (kernels: CPU convolution micro-benchmark)", setup_bench);
