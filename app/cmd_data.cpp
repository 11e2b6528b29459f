// `tailor data convert|split|stats|check` (thin over data/), and `tailor bench data`
// (register_bench_data, called by app/cmd_bench.cpp).
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "app/command.h"
#include "bench/data_bench.h"
#include "data/augment.h"
#include "data/dataset_io.h"
#include "data/dataset_report.h"
#include "data/image_labels.h"
#include "data/voc.h"
#include "models/image_level.h"
#include "pipeline/autobox/autobox.h"
#include "pipeline/model_io/load_detector.h"
#include "runtime/error.h"
#include "runtime/io/atomic_file.h"
#include "runtime/thread_pool.h"

namespace fs = std::filesystem;

namespace {

using namespace tailor;

// Every format's name and layout, from data/'s one format table.
std::string formats_help() {
  std::string s;
  for (const data::FormatInfo& f : data::format_table())
    s += std::string(s.empty() ? "" : "; ") + f.name + ": " + f.layout;
  return s;
}

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
      "convert", "Convert a data set between formats (" + data::format_names() + ")");
  c->add_option("--from", a->from, "FMT PATH (PATH may be DIR:SPLIT[,SPLIT]); " + formats_help())
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
    data::Dataset ds = data::read_dataset(from, a->from[1], {labels.get(), {}, {}});
    data::write_dataset(to, a->to[1], ds, {labels.get(), !a->no_copy});
    size_t boxes = 0, image_labels = 0;
    for (const auto& ex : ds) boxes += ex.boxes.size(), image_labels += ex.has_image_label();
    std::cout << "wrote " << ds.size() << " images, "
              << (image_labels ? std::to_string(image_labels) + " image-level labels"
                               : std::to_string(boxes) + " boxes")
              << " to " << a->to[1] << " (" << a->to[0] << ")\n";
  });
}

// The split files go where the reader looks for them: inside a directory data set, beside a
// file one.
std::string split_dir(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return path;
  const fs::path parent = fs::path(path).parent_path();
  return parent.empty() ? "." : parent.string();
}

void shuffle_stems(std::vector<std::string>* stems, uint64_t seed) {
  std::sort(stems->begin(), stems->end());  // the split depends on the names and seed only
  data::Rng rng = data::example_rng(seed, 0, -2);
  for (size_t i = stems->size(); i > 1; --i)
    std::swap((*stems)[i - 1], (*stems)[data::uniform_int(rng, static_cast<uint32_t>(i))]);
}

void setup_split(CLI::App& data_cmd) {
  struct Args {
    std::string dir, fmt = "voc";
    double train = 0.8, test = 0.0;
    uint64_t seed = 0;
  };
  auto a = std::make_shared<Args>();
  CLI::App* c = data_cmd.add_subcommand(
      "split",
      "Split a data set into train.txt, val.txt (and test.txt with --test) stems, "
      "deterministically from the seed; image-level sets are split per class");
  c->add_option("DIR", a->dir, "Data set (a VOC directory by default; see --format)")->required();
  c->add_option("--format", a->fmt, "voc, catalog, imagefolder or labels_csv")
      ->capture_default_str();
  c->add_option("--train", a->train, "Fraction for train.txt")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  c->add_option("--test", a->test, "Fraction for test.txt (the rest goes to val.txt)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  c->add_option("--seed", a->seed, "Shuffle seed")->capture_default_str();
  c->callback([a] {
    if (a->train + a->test > 1.0 + 1e-9) throw UsageError("--train + --test exceed 1");
    const data::FormatInfo& info = data::format_info(data::parse_format(a->fmt));
    if (!info.splits)
      throw UsageError(std::string("--format ") + info.name + " does not read split files");
    // Groups are split separately: one for a box-labelled set (as it always was), one per
    // class for an image-level set, so that every class keeps the requested fractions.
    std::map<std::string, std::vector<std::string>> groups;
    if (info.format == data::Format::kVoc) {
      for (const auto& ex : data::read_voc_dir(a->dir, {}, nullptr))
        groups[""].push_back(fs::path(ex.source).stem().string());
    } else {
      for (const auto& ex : data::read_dataset(info.format, a->dir))
        groups[data::image_level_class(ex, nullptr)].push_back(ex.stem());
    }
    std::vector<std::string> parts[3];
    for (auto& [name, stems] : groups) {
      shuffle_stems(&stems, a->seed);
      const size_t n = stems.size();
      const size_t n_train = static_cast<size_t>(std::llround(a->train * n));
      const size_t n_test = std::min(n - n_train, static_cast<size_t>(std::llround(a->test * n)));
      parts[0].insert(parts[0].end(), stems.begin(), stems.begin() + n_train);
      parts[1].insert(parts[1].end(), stems.begin() + n_train, stems.end() - n_test);
      parts[2].insert(parts[2].end(), stems.end() - n_test, stems.end());
    }
    const char* names[3] = {"train.txt", "val.txt", "test.txt"};
    for (int p = 0; p < 3; ++p) {
      if (p == 2 && a->test <= 0) break;
      std::sort(parts[p].begin(), parts[p].end());
      std::string text;
      for (const auto& s : parts[p]) text += s + "\n";
      io::write_file_atomic((fs::path(split_dir(a->dir)) / names[p]).string(), text);
      std::cout << names[p] << ": " << parts[p].size() << "\n";
    }
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
  c->add_option("FMT", a->fmt, formats_help())->required();
  c->add_option("PATH", a->path, "Data set (PATH may be DIR:SPLIT[,SPLIT])")->required();
  c->add_option("--labels", a->labels,
                "Label map: names classes by id, matching names case-insensitively");
  c->add_flag("--json", a->json, "Print {\"images\": N, \"boxes\": N, \"per_class\": {...}}");
  c->callback([a] {
    auto labels = load_labels(a->labels);
    data::Dataset ds =
        data::read_dataset(data::parse_format(a->fmt), a->path, {labels.get(), {}, {}});
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
  c->add_option("FMT", a->fmt, formats_help())->required();
  c->add_option("PATH", a->path, "Data set (PATH may be DIR:SPLIT[,SPLIT])")->required();
  c->add_option("--labels", a->labels,
                "Label map; without one, labels are not checked against a map");
  c->add_flag("--header-only", a->header_only,
              "Read image headers only (faster; misses corrupt pixel data)");
  c->callback([a] {
    auto labels = load_labels(a->labels);
    data::Dataset ds =
        data::read_dataset(data::parse_format(a->fmt), a->path, {labels.get(), {}, {}});
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

void setup_autobox(CLI::App& data_cmd) {
  struct Args {
    std::string fmt, path, model, labels, out, method = "pseudo_box";
    float min_score = 0.3f;
    bool class_aware = false;
    int threads = 0;
  };
  auto a = std::make_shared<Args>();
  CLI::App* c = data_cmd.add_subcommand(
      "autobox",
      "Derive boxes for an image-labelled set with a trained detector (the rule that trains on "
      "image labels): writes VOC, autobox.csv and contact sheets for review");
  c->add_option("FMT", a->fmt, "catalog, imagefolder or labels_csv")->required();
  c->add_option("PATH", a->path, "Data set (PATH may be DIR:SPLIT[,SPLIT])")->required();
  c->add_option("--model", a->model, "Tailor checkpoint or .tflite detector")->required();
  c->add_option("--out", a->out, "Output VOC directory")->required();
  c->add_option("--labels", a->labels, "Label map (default: the checkpoint's)");
  c->add_option("--method", a->method, "pseudo_box, max_size or mil")->capture_default_str();
  c->add_option("--min-score", a->min_score,
                "pseudo_box: the labelled class's score a box needs; max_size: the foreground's")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  c->add_flag("--class-aware", a->class_aware,
              "max_size: the largest box whose labelled-class score reaches --min-score (the "
              "foreground's when none does), as model.ssd.loss.image_level.class_aware");
  c->add_option("--threads", a->threads, "CPU threads (0: one per core)");
  c->callback([a] {
    set_num_threads(a->threads);
    pipeline::LoadDetectorOptions load;
    load.labels_path = a->labels;
    pipeline::LoadedDetector det = pipeline::load_detector(a->model, load);
    if (det.labels.empty()) throw UsageError(a->model + " carries no label map; pass --labels");
    models::ImageLevelLossConfig rule;
    rule.min_score = a->min_score;
    if (!models::find_image_level_method(a->method, &rule.method))
      throw UsageError("--method must be pseudo_box, max_size or mil, got '" + a->method + "'");
    if (a->class_aware && rule.method != models::ImageLevelMethod::kMaxSize)
      throw UsageError("--class-aware applies to --method max_size only");
    rule.class_aware = a->class_aware;
    const data::Format f = data::parse_format(a->fmt);
    const data::Dataset ds = data::read_dataset(f, a->path, {&det.labels, {}, {}});
    pipeline::AutoboxOptions o;
    o.rule = rule;
    o.out_dir = a->out;
    const pipeline::AutoboxResult r = pipeline::autobox(*det.model, det.labels, ds, o);
    std::cout << "boxed " << r.boxed << " of " << r.images.size() << " images into " << a->out
              << " (VOC); review the contact sheets, fix annotations/ as needed, then train on "
                 "it as format voc\n";
    for (const std::string& f : r.files) std::cout << "  " << f << "\n";
  });
}

void setup_data(CLI::App& cmd) {
  cmd.require_subcommand(1);
  setup_convert(cmd);
  setup_split(cmd);
  setup_stats(cmd);
  setup_check(cmd);
  setup_autobox(cmd);
}

}  // namespace

namespace tailor::app {

void register_bench_data(CLI::App& bench) {
  auto o = std::make_shared<bench::DataBenchOptions>();
  o->sources = {"../shared/data/ccp:train", "../shared/data/myntra:train"};
  auto mode = std::make_shared<std::string>("both");
  CLI::App* c =
      bench.add_subcommand("data",
                           "Input pipeline throughput: decode + augmentations (flip + "
                           "ssd_random_crop unless --augment says) + resize to 300x300, batched, "
                           "from the shared JPEGs");
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
  c->add_option("--augment", o->augmentation,
                "Augmentations in order, at their defaults (the config's names, e.g. "
                "random_adjust_saturation; 'none' for none)")
      ->delimiter(',')
      ->capture_default_str();
  c->callback([o, mode] {
    if (o->augmentation == std::vector<std::string>{"none"}) o->augmentation.clear();
    o->both = *mode == "both";
    o->dct_scaling = *mode == "on";
    bench::run_data_bench(*o, std::cout);
  });
}

}  // namespace tailor::app

TAILOR_COMMAND("data", "Data sets: convert, split, stats, check", setup_data);
