// `tailor data convert|split|stats|check` (thin over data/), and `tailor bench data`
// (register_bench_data, called by app/cmd_bench.cpp).
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "app/command.h"
#include "bench/data_bench.h"
#include "data/augment.h"
#include "data/dataset_report.h"
#include "data/formats.h"
#include "data/voc.h"
#include "engine/error.h"
#include "engine/io/atomic_file.h"
#include "engine/thread_pool.h"

namespace fs = std::filesystem;

namespace {

using namespace tailor;

const char* kFormats = "voc, csv, tfrecord, dataturks, coco";

std::unique_ptr<data::LabelMap> load_labels(const std::string& path) {
  if (path.empty()) return nullptr;
  return std::make_unique<data::LabelMap>(data::LabelMap::load(path));
}

void setup_convert(CLI::App& data_cmd) {
  struct Args {
    std::vector<std::string> from, to;
    std::string labels;
    bool no_copy = false;
  };
  auto a = std::make_shared<Args>();
  CLI::App* c = data_cmd.add_subcommand(
      "convert", "Convert a data set between formats (" + std::string(kFormats) + ")");
  c->add_option("--from", a->from, "FMT PATH (a VOC PATH may be DIR:SPLIT[,SPLIT])")
      ->expected(2)
      ->required();
  c->add_option("--to", a->to, "FMT PATH (a directory for voc, a file otherwise)")
      ->expected(2)
      ->required();
  c->add_option("--labels", a->labels,
                "Label map (.pbtxt or labelmap.txt) for class ids; required by tfrecord and coco "
                "output when the input has names only");
  c->add_flag("--no-copy-images", a->no_copy,
              "Do not copy images next to voc/csv/coco/dataturks output");
  c->callback([a] {
    auto labels = load_labels(a->labels);
    data::Format from = data::parse_format(a->from[0]), to = data::parse_format(a->to[0]);
    data::Dataset ds = data::read_dataset(from, a->from[1], {labels.get()});
    data::write_dataset(to, a->to[1], ds, {labels.get(), !a->no_copy});
    size_t boxes = 0;
    for (const auto& ex : ds) boxes += ex.boxes.size();
    std::cout << "wrote " << ds.size() << " images, " << boxes << " boxes to " << a->to[1] << " ("
              << a->to[0] << ")\n";
  });
}

void setup_split(CLI::App& data_cmd) {
  struct Args {
    std::string dir;
    double train = 0.8, test = 0.0;
    uint64_t seed = 0;
  };
  auto a = std::make_shared<Args>();
  CLI::App* c = data_cmd.add_subcommand(
      "split",
      "Split a VOC directory's annotations into DIR/train.txt, val.txt (and test.txt with --test), "
      "deterministically from the seed");
  c->add_option("DIR", a->dir, "VOC directory (annotations/*.xml)")->required();
  c->add_option("--train", a->train, "Fraction for train.txt")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  c->add_option("--test", a->test, "Fraction for test.txt (the rest goes to val.txt)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  c->add_option("--seed", a->seed, "Shuffle seed")->capture_default_str();
  c->callback([a] {
    if (a->train + a->test > 1.0 + 1e-9) throw UsageError("--train + --test exceed 1");
    data::Dataset ds = data::read_voc_dir(a->dir, {}, nullptr);
    std::vector<std::string> stems;
    for (const auto& ex : ds) stems.push_back(fs::path(ex.source).stem().string());
    std::sort(stems.begin(), stems.end());  // the split depends on the names and seed only
    data::Rng rng = data::example_rng(a->seed, 0, -2);
    for (size_t i = stems.size(); i > 1; --i)
      std::swap(stems[i - 1], stems[data::uniform_int(rng, static_cast<uint32_t>(i))]);
    size_t n = stems.size();
    size_t n_train = static_cast<size_t>(std::llround(a->train * n));
    size_t n_test = std::min(n - n_train, static_cast<size_t>(std::llround(a->test * n)));
    auto write = [&](const std::string& name, size_t begin, size_t end) {
      std::vector<std::string> part(stems.begin() + begin, stems.begin() + end);
      std::sort(part.begin(), part.end());
      std::string text;
      for (const auto& s : part) text += s + "\n";
      io::write_file_atomic((fs::path(a->dir) / name).string(), text);
      std::cout << name << ": " << part.size() << "\n";
    };
    write("train.txt", 0, n_train);
    write("val.txt", n_train, n - n_test);
    if (a->test > 0) write("test.txt", n - n_test, n);
  });
}

void setup_stats(CLI::App& data_cmd) {
  struct Args {
    std::string fmt, path, labels;
    bool json = false;
  };
  auto a = std::make_shared<Args>();
  CLI::App* c =
      data_cmd.add_subcommand("stats", "Per-class image and box counts and box-size histograms");
  c->add_option("FMT", a->fmt, kFormats)->required();
  c->add_option("PATH", a->path, "Data set (a VOC PATH may be DIR:SPLIT[,SPLIT])")->required();
  c->add_option("--labels", a->labels,
                "Label map: names classes by id, matching names case-insensitively");
  c->add_flag("--json", a->json, "Print {\"images\": N, \"boxes\": N, \"per_class\": {...}}");
  c->callback([a] {
    auto labels = load_labels(a->labels);
    data::Dataset ds = data::read_dataset(data::parse_format(a->fmt), a->path, {labels.get()});
    data::DatasetStats s = data::compute_stats(ds, labels.get());
    std::cout << (a->json ? data::stats_json(s) + "\n" : data::stats_text(s));
  });
}

void setup_check(CLI::App& data_cmd) {
  struct Args {
    std::string fmt, path, labels;
    bool header_only = false;
  };
  auto a = std::make_shared<Args>();
  CLI::App* c = data_cmd.add_subcommand(
      "check",
      "Find boxes outside the image, zero-area or inverted boxes, unknown labels, unreadable and "
      "duplicate images; exit status 1 if any");
  c->add_option("FMT", a->fmt, kFormats)->required();
  c->add_option("PATH", a->path, "Data set (a VOC PATH may be DIR:SPLIT[,SPLIT])")->required();
  c->add_option("--labels", a->labels,
                "Label map; without one, labels are not checked against a map");
  c->add_flag("--header-only", a->header_only,
              "Read image headers only (faster; misses corrupt pixel data)");
  c->callback([a] {
    auto labels = load_labels(a->labels);
    data::Dataset ds = data::read_dataset(data::parse_format(a->fmt), a->path, {labels.get()});
    data::CheckOptions opts;
    opts.labels = labels.get();
    opts.decode_images = !a->header_only;
    std::vector<data::Issue> issues = data::check_dataset(ds, opts);
    for (const auto& i : issues)
      std::cout << i.where << ": " << i.field << ": " << i.message << "\n";
    if (!issues.empty())
      throw UserError(std::to_string(issues.size()) + " problem(s) in " +
                      std::to_string(ds.size()) + " images");
    std::cout << ds.size() << " images checked, no problems\n";
  });
}

void setup_data(CLI::App& cmd) {
  cmd.require_subcommand(1);
  setup_convert(cmd);
  setup_split(cmd);
  setup_stats(cmd);
  setup_check(cmd);
}

}  // namespace

namespace tailor::app {

void register_bench_data(CLI::App& bench) {
  auto o = std::make_shared<bench::DataBenchOptions>();
  o->sources = {"../shared/data/ccp:train", "../shared/data/myntra:train"};
  auto mode = std::make_shared<std::string>("both");
  CLI::App* c =
      bench.add_subcommand("data",
                           "Input pipeline throughput: decode + flip + ssd_random_crop + resize "
                           "to 300x300, batched, from the shared JPEGs");
  c->add_option("--source", o->sources, "VOC DIR:SPLIT sources")->capture_default_str();
  c->add_option("--threads", o->threads, "Loader worker threads")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  c->add_option("--batch", o->batch_size, "Batch size")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  c->add_option("--batches", o->batches, "Timed batches")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  c->add_option("--dct-scaling", *mode,
                "off | on | both: libjpeg DCT-domain downscaling (faster, not TF-exact)")
      ->check(CLI::IsMember({"off", "on", "both"}))
      ->capture_default_str();
  c->callback([o, mode] {
    o->both = *mode == "both";
    o->dct_scaling = *mode == "on";
    bench::run_data_bench(*o, std::cout);
  });
}

}  // namespace tailor::app

TAILOR_COMMAND("data", "Data sets: convert, split, stats, check", setup_data);
