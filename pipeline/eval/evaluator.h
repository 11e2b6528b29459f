#pragma once
// The evaluation job of the TF Object Detection API's eval.py, for one model state: runs the
// detector over every eval source (no augmentation, fixed order), then computes Pascal VOC AP,
// COCO AP and top-1 tagging accuracy per source and over all sources together. The trainer
// calls it every eval.every_n_steps and logs `scalars`; `tailor eval` calls it per checkpoint
// and prints the tables.
//
// Files written to EvalOptions::output_dir (each atomically):
//   detections_<slug>.json   COCO results format, pixel boxes (pycocotools' loadRes)
//   groundtruth_<slug>.json  the matching COCO ground truth, so the numbers can be re-checked
//   confusion_<slug>.png     the top-1 confusion matrix of each source with top-1 images
//   class_table.txt          the per-class table of every source and of all sources (and the
//                            top-1 confusion matrix of image-level sources)
//   metrics.json             every figure (NaN and absent values as null)
#include <atomic>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "data/example.h"
#include "data/image.h"
#include "data/label_map.h"
#include "models/post_process.h"
#include "models/ssd_model.h"
#include "pipeline/config/pipeline_config.h"
#include "pipeline/eval/class_table.h"
#include "pipeline/eval/detection_types.h"
#include "pipeline/input/input_data.h"
#include "pipeline/logging/event_writer.h"
#include "runtime/dist/communicator.h"

namespace tailor::pipeline {

struct EvalOptions {
  std::vector<Metric> metrics{Metric::kVocAp, Metric::kCocoAp, Metric::kTop1};
  int batch_size = 8;
  int threads = 0;     // decode threads; 0: num_threads()
  int max_images = 0;  // per source, the first N in dataset order; 0: all
  bool progress = true;
  int progress_tty = -1;        // -1: detect
  std::ostream* log = nullptr;  // progress lines; default std::cerr
  std::string output_dir;       // empty: write no files
  int64_t step = -1;            // recorded in metrics.json when >= 0
  std::string checkpoint;       // recorded in metrics.json when set
  data::DecodeOptions decode;
  // Set (e.g. by SIGINT) to stop between batches: evaluate() then returns with
  // `interrupted` set, no metrics and no files.
  const std::atomic<bool>* stop = nullptr;
  // Data-parallel (several ranks): each rank evaluates its share of every source and rank 0
  // gathers, summarizes and writes; the other ranks get an empty result.
  dist::Communicator* comm = nullptr;
};

// One source's images and figures (or all sources together).
struct SourceEval {
  std::string name;  // as configured, e.g. "ccp:test"; "all" for the union
  std::string slug;  // file- and tag-safe form of the name, unique within a result
  std::vector<ImageDetections> images;
  EvalMetrics metrics;
};

struct EvalResult {
  std::vector<std::string> class_names;  // class_names[c-1] names class c
  std::vector<SourceEval> sources;
  SourceEval overall;  // every source's images together
  // Flat (tag, value) list for TensorBoard / metrics.csv: "eval/<slug>/mAP@0.5",
  // "eval/<slug>/coco_AP", "eval/<slug>/top1", ...; NaN and absent values are left out.
  Scalars scalars;
  std::vector<std::string> files;  // written, in order
  double seconds = 0;
  bool interrupted = false;
};

EvalResult evaluate(models::SsdModel& model, const data::LabelMap& labels,
                    const std::vector<NamedDataset>& sources, const EvalOptions& opts);

// --- The pieces evaluate() is made of, exposed for tests and reuse. ---

// class_names[c-1] for c in 1..num_classes: the label map's display name (else name), or
// "class <c>" for ids the map lacks.
std::vector<std::string> eval_class_names(const data::LabelMap& labels, int num_classes);

// One image's evaluation record: ground truth from the example's pixel boxes, normalized by
// its size; detections as the model gave them (normalized). `width`/`height` are the image's
// true size (the example's, or the decoded header's when the annotation lacks it); they make
// the COCO JSON boxes pixels. Throws UserError naming the example for an unknown class.
ImageDetections image_detections(const data::Example& ex, int width, int height,
                                 const data::LabelMap& labels,
                                 const std::vector<models::Detection>& detections);

// The example's size: from the annotation, else from the image header. Throws UserError
// naming the example when neither gives one.
void example_size(const data::Example& ex, const data::DecodeOptions& decode, int* width,
                  int* height);

// "../shared/data/ccp:test" -> "ccp_test": the last path component, with every character
// outside [A-Za-z0-9._-] replaced by '_'. Never empty.
std::string source_slug(const std::string& name);

// Fills in per-source and overall metrics, slugs and scalars of a result whose sources hold
// their images. Top-1 is added to `metrics` when a source has image-level labels.
void summarize(EvalResult* result, int num_classes, const std::vector<Metric>& metrics);

// metrics.json's text.
std::string eval_metrics_json(const EvalResult& result, const EvalOptions& opts);

// The printed report: per source a header line and its class table, then all sources.
std::string format_eval_report(const EvalResult& result);

}  // namespace tailor::pipeline
