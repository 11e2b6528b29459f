// `tailor tag [--model M] [--threshold T] [--review-below S] --out DIR INPUT...`: tags a
// catalogue of product photos and writes tags.csv and review.html (pipeline/tag/tagger.h).
// INPUT: image files, folders, or CSV files of paths.
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "app/command.h"
#include "data/image_labels.h"
#include "pipeline/detect/detector.h"
#include "pipeline/model_io/zoo.h"
#include "pipeline/tag/tagger.h"
#include "runtime/error.h"

namespace {

struct TagArgs {
  std::string model, labels, labels_csv, out;
  float threshold = 0.01f, review_below = 0.5f, margin = 0.15f;
  int batch_size = 8;
  bool fail_fast = false;
  std::vector<std::string> inputs;
};

void run_tag(const TagArgs& a) {
  using namespace tailor;
  std::map<std::string, std::string> csv_labels;
  const std::vector<std::string> images = pipeline::collect_tag_inputs(a.inputs, &csv_labels);
  pipeline::DetectorOptions opt;
  opt.score_threshold = a.threshold;
  opt.batch_size = a.batch_size;
  pipeline::LoadDetectorOptions load;
  load.labels_path = a.labels;
  const std::string model = a.model.empty() ? pipeline::zoo_model_path() : a.model;
  pipeline::Detector detector(pipeline::load_detector(model, load), opt);
  if (detector.labels().empty()) throw UsageError(model + " carries no label map; pass --labels");

  pipeline::TagOptions o;
  o.out_dir = a.out;
  o.review_below = a.review_below;
  o.margin = a.margin;
  o.fail_fast = a.fail_fast;
  // Image-level labels: --labels-csv (path,label), else a label column of an input CSV.
  if (!a.labels_csv.empty()) {
    for (const data::Example& ex : data::read_labels_csv(a.labels_csv, {}, &detector.labels()))
      o.labels[ex.stem()] = ex.image_label_id;
  } else {
    for (const auto& [stem, name] : csv_labels) {
      const int id = detector.labels().id_of(name);
      TAILOR_CHECK(id > 0, UserError, "the label '", name, "' of ", stem,
                   " is not a class of the model");
      o.labels[stem] = id;
    }
  }
  std::cerr << "tag: " << images.size() << " images with " << model << "\n";
  const pipeline::TagResult r = pipeline::tag_images(detector, images, o);
  std::cout << "tagged " << r.rows.size() - r.unreadable << " images, " << r.needs_review
            << " need review";
  if (r.has_labels)
    std::cout << "; " << r.top1.num_correct << " of " << r.top1.num_images
              << " agree with the labels";
  std::cout << "\n";
  for (const std::string& f : r.files) std::cout << "  " << f << "\n";
  if (r.unreadable > 0) {
    std::string list;
    for (const pipeline::TagRow& row : r.rows)
      if (!row.error.empty()) list += "\n  " + row.error;
    throw UserError(std::to_string(r.unreadable) + " image(s) could not be read (listed in " +
                    a.out + "/tags.csv):" + list);
  }
}

}  // namespace

TAILOR_COMMAND("tag", "Tag a catalogue of product photos: tags.csv and a review page",
               [](CLI::App& cmd) {
                 auto a = std::make_shared<TagArgs>();
                 cmd.add_option("--model", a->model,
                                "Detector (default: the shipped clothing tagger)");
                 cmd.add_option("--labels", a->labels, "Label map (default: the model's)");
                 cmd.add_option("--out", a->out, "Output folder")->required();
                 cmd.add_option("--threshold", a->threshold,
                                "Lowest detection score considered (runner-ups need low ones)")
                     ->check(CLI::Range(0.0, 1.0))
                     ->capture_default_str();
                 cmd.add_option("--review-below", a->review_below,
                                "An image whose top score is under this needs review")
                     ->check(CLI::Range(0.0, 1.0))
                     ->capture_default_str();
                 cmd.add_option("--margin", a->margin,
                                "An image whose top two classes are within this needs review")
                     ->check(CLI::Range(0.0, 1.0))
                     ->capture_default_str();
                 cmd.add_option("--labels-csv", a->labels_csv,
                                "Image-level labels (path,label): per-class accuracy and the "
                                "confusion matrix");
                 cmd.add_option("--batch-size", a->batch_size, "Images per forward pass")
                     ->check(CLI::Range(1, 256))
                     ->capture_default_str();
                 cmd.add_flag("--fail-fast", a->fail_fast, "Stop at the first unreadable image");
                 cmd.add_option("inputs", a->inputs, "Image files, folders, or CSV files of paths")
                     ->required();
                 cmd.callback([a] { run_tag(*a); });
               });
