#pragma once
// A whole Tailor run config (the YAML counterpart of the TF Object Detection API's
// pipeline.config): model, train, train_input, eval_input and eval. See
// configs/ssd_mobilenet_v1_clothing.yaml for an annotated example.
//
// Paths: every relative path in the file (checkpoints, data, label maps, output_dir) is
// resolved against the directory of the config file, so a config works from any working
// directory. Paths are not checked for existence here; the readers that open them are.
//
// Data sources (train_input.paths, eval_input.paths) are a list whose entries are either
//   - a string "DIR" or "FILE": every example there, or
//   - a string "DIR:SPLIT[,SPLIT...]": only the stems listed in DIR/SPLIT.txt for each split
//     (e.g. "../shared/data/ccp:train", "../shared/data/ccp:train,val"). The suffix after the
//     last ':' counts as splits only when it holds no '/' and only letters, digits, '_', '-'
//     and ','; or
//   - a mapping {path: DIR, splits: [train, val], format: dataturks, name: ccp_val, weight: 0.5,
//     include_stems: ["cds_*"], exclude_classes: [Jeans], ambiguous_classes: [[Jeans, Trousers]],
//     labels_exhaustive: true} for when one source needs another format than the section's, a
//     display name, (in train_input) a sampling ratio against the other sources, classes its
//     labels confuse or labels that rule the other classes out, or to keep only some of its
//     images (by stem or by class).
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <string>
#include <vector>

#include "data/dataset_io.h"
#include "kernels/cuda/conv_impl.h"
#include "models/model_config.h"
#include "pipeline/config/augmentation_config.h"

namespace tailor::pipeline {

struct InputSource {
  std::string path;                 // resolved
  std::vector<std::string> splits;  // empty: everything under path
  data::Format format = data::Format::kVoc;
  std::string name;  // for reports: the given name, else "<folder>[:<splits>]"
  // Training's sampling ratio: each image of this source is drawn `weight` times per epoch
  // on average (0.5: every other epoch). Eval ignores it.
  double weight = 1.0;
  // Shell-style patterns (fnmatch: *, ?, [...]) on the example's stem: when given, the source
  // keeps only the images whose stem matches one of them, e.g. ["cds_*"] for the
  // clothing-dataset part of the catalogue.
  std::vector<std::string> include_stems;
  // Class names (as in the label map) whose images this source leaves out: an image whose
  // image-level label or any of whose boxes is one of them. The whole image goes, not just the
  // box, since an image kept without its box would teach background where the garment is.
  std::vector<std::string> exclude_classes;
  // Groups of class names that this source's labels do not tell apart (train_input only):
  // [[Jeans, Trousers]] for street photos whose "pants" are often jeans. A box of one class
  // of a group still trains that class, but teaches the others of its group nothing there,
  // neither present nor absent, so the sources that do tell them apart decide between them.
  std::vector<std::vector<std::string>> ambiguous_classes;
  // Image-labelled sources only (train_input): each photo shows its labelled class and none of
  // the others, as for single garments laid flat or hung. The label then rules the other
  // classes out everywhere in the photo, and the loss teaches them 0 at its hardest anchors
  // (models/ssd_loss.h). Off by default: a worn shirt also shows trousers and shoes.
  bool labels_exhaustive = false;
};

struct InputConfig {
  data::Format format = data::Format::kVoc;
  std::vector<InputSource> sources;
  std::string label_map;  // resolved; a TF OD API label_map.pbtxt
  bool shuffle = true;    // eval ignores it
  // Repeat-factor sampling threshold t (0: off; eval ignores it). Within each source, an
  // image whose rarest class is in a fraction f < t of that source's images is repeated
  // sqrt(t / f) times per epoch on average. See data/repeat_factor.h.
  double repeat_factor_threshold = 0;
  // A corrupt image or record: "fail" stops with an error naming it; "skip" (training only)
  // replaces it with the next good example, counts it and lists it at the end. Evaluation
  // always fails, since skipping would change what the metrics measure.
  std::string on_bad_example = "fail";
};

struct ExponentialDecayConfig {
  float initial_learning_rate = 0.004f;
  int64_t decay_steps = 800720;
  float decay_factor = 0.95f;
  bool staircase = true;
};

// cosine_decay_learning_rate (see engine/optim/learning_rate.h).
struct CosineDecayConfig {
  float learning_rate_base = 0.004f;
  int64_t total_steps = 0;  // 0: train.num_steps
  float warmup_learning_rate = 0.f;
  int64_t warmup_steps = 0;
  int64_t hold_base_rate_steps = 0;
};

enum class LearningRateSchedule { kExponentialDecay, kCosineDecay };

// tf.train.RMSPropOptimizer as the TF OD API builds it.
struct RmsPropConfig {
  // learning_rate holds exponential_decay, or cosine_decay with `schedule` saying which.
  LearningRateSchedule schedule = LearningRateSchedule::kExponentialDecay;
  ExponentialDecayConfig learning_rate;
  CosineDecayConfig cosine_decay;
  float momentum = 0.9f;  // momentum_optimizer_value
  float decay = 0.9f;
  float epsilon = 1.0f;
};

enum class Device { kCpu, kCuda };

struct TrainConfig {
  int batch_size = 24;
  RmsPropConfig rms_prop;
  int64_t num_steps = 0;             // required
  std::string fine_tune_checkpoint;  // resolved; empty: train from the initializers
  // "detection": restore the whole detector; "classification": only the backbone.
  std::string fine_tune_checkpoint_type = "detection";
  std::vector<AugmentationConfig> augmentation;
  // The TF OD API's train_config.freeze_variables: variables whose TF name matches one of these
  // regular expressions from its start (Python's re.match) keep their fine-tune values.
  std::vector<std::string> freeze_variables;
  bool use_moving_average = false;
  float moving_average_decay = 0.9999f;
  int64_t checkpoint_every = 1000;
  int keep_checkpoints = 5;
  uint64_t seed = 0;
  Device device = Device::kCpu;
  int threads = 0;         // 0: one per hardware thread
  std::string output_dir;  // resolved; default "runs/<config file stem>" next to the config
  int log_every = 10;      // steps between log lines / TensorBoard scalars
};

enum class Metric { kVocAp, kCocoAp, kTop1 };
const char* to_string(Metric m);

struct EvalConfig {
  std::vector<Metric> metrics{Metric::kVocAp};
  int64_t every_n_steps = 0;  // 0: evaluate only after training
  int max_images = 0;         // 0: all
  bool use_moving_average = false;
};

struct PipelineConfig {
  std::string path;  // the config file
  models::SsdConfig model;
  kernels::cuda::ConvImplSelection conv_impl;
  TrainConfig train;
  InputConfig train_input;
  bool has_eval_input = false;
  InputConfig eval_input;
  EvalConfig eval;
};

// Limits that catch typos before they become an out-of-memory crash.
constexpr int kMaxBatchSize = 4096;
constexpr int kMaxThreads = 1024;

// Loads and validates a config; every problem is a UserError naming file, key path and line.
PipelineConfig load_pipeline_config(const std::string& path);

// Parses an already loaded YAML document. `path` locates messages and anchors relative paths.
PipelineConfig parse_pipeline_config(const YAML::Node& root, const std::string& path);

// Resolves `p` against `base_dir` unless it is absolute (or empty).
std::string resolve_path(const std::string& base_dir, const std::string& p);

}  // namespace tailor::pipeline
