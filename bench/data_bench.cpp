#include "bench/data_bench.h"

#include <chrono>
#include <cstdio>

#include "data/dataset_io.h"
#include "data/loader.h"

namespace tailor::bench {

std::vector<DataBenchResult> run_data_bench(const DataBenchOptions& o, std::ostream& os) {
  data::Dataset ds;
  for (const std::string& s : o.sources) {
    data::Dataset part = data::read_dataset(data::Format::kVoc, s);
    ds.insert(ds.end(), part.begin(), part.end());
  }
  data::LabelMap labels;  // ids by first appearance: the bench needs classes, not their names
  {
    std::vector<data::LabelItem> items;
    for (const data::Example& ex : ds)
      for (const data::Box& b : ex.boxes) {
        bool known = false;
        for (const auto& it : items) known |= it.name == b.label;
        if (!known) items.push_back({static_cast<int>(items.size()) + 1, b.label, ""});
      }
    labels = data::LabelMap(items);
  }
  std::vector<DataBenchResult> results;
  std::vector<bool> modes;
  if (o.both)
    modes = {false, true};
  else
    modes = {o.dct_scaling};
  std::vector<data::AugmentStep> steps;
  std::string names;
  for (const std::string& a : o.augmentation) {
    steps.push_back({a, {}});
    names += (names.empty() ? "" : " + ") + a;
  }
  data::validate_augmentation(steps);
  os << "data loader: " << ds.size() << " images, batch " << o.batch_size << ", " << o.size << "x"
     << o.size << ", " << o.threads << " threads, " << (names.empty() ? "no augmentation" : names)
     << "\n";
  for (bool dct : modes) {
    data::LoaderOptions lo;
    lo.batch_size = o.batch_size;
    lo.height = lo.width = o.size;
    lo.threads = o.threads;
    lo.seed = o.seed;
    lo.labels = &labels;
    lo.augmentation = steps;
    if (dct) {
      lo.decode.jpeg_scale_denom = 8;
      lo.decode.min_scaled_side = o.size;
    }
    data::Loader loader(ds, lo);
    data::Batch b;
    for (int i = 0; i < o.threads; ++i) loader.next(&b);  // warm-up: threads started, caches hot
    auto t0 = std::chrono::steady_clock::now();
    long images = 0;
    for (int i = 0; i < o.batches; ++i) {
      loader.next(&b);
      images += b.size;
    }
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    DataBenchResult r{dct, images / s, s, images};
    char line[160];
    std::snprintf(line, sizeof(line), "  %-34s %8.1f images/s  (%ld images in %.2f s)\n",
                  dct ? "DCT scaling on (pixels differ from TF)" : "full decode (TF-exact pixels)",
                  r.images_per_s, images, s);
    os << line;
    results.push_back(r);
  }
  return results;
}

}  // namespace tailor::bench
