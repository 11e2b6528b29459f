#pragma once
// `tailor bench data`: throughput of the training input pipeline (decode, flip,
// ssd_random_crop, resize to 300x300, normalize, batch) from the shared clothing JPEGs.
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace tailor::bench {

struct DataBenchOptions {
  std::vector<std::string> sources;  // VOC "DIR:SPLIT" specs
  int threads = 2;
  int batch_size = 24;
  int batches = 40;  // timed, after one warm-up batch per thread
  int size = 300;
  uint64_t seed = 1;
  bool dct_scaling = false;  // also always reported as a second row when `both`
  bool both = true;
  // The augmentations, in order, at their defaults (data/augment.h's table names).
  std::vector<std::string> augmentation = {"random_horizontal_flip", "ssd_random_crop"};
};

struct DataBenchResult {
  bool dct_scaling = false;
  double images_per_s = 0;
  double seconds = 0;
  long images = 0;
};

// Prints one row per mode and returns the results.
std::vector<DataBenchResult> run_data_bench(const DataBenchOptions& options, std::ostream& os);

}  // namespace tailor::bench
