#pragma once
// The training/eval input pipeline: worker threads decode and augment examples and build
// whole batches ahead of the consumer. For a given seed the batches are identical whatever
// the number of threads: the epoch order comes from (seed, epoch) and every example's random
// stream from (seed, epoch, index), and batch b always holds the same positions.
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "data/augment.h"
#include "data/example.h"
#include "data/image.h"
#include "data/label_map.h"
#include "engine/tensor.h"

namespace tailor::data {

enum class OnBadExample { kFail, kSkip };
OnBadExample parse_on_bad_example(const std::string& s);  // "fail" | "skip"

struct LoaderOptions {
  int batch_size = 24;
  int height = 300, width = 300;
  int max_boxes = 100;  // boxes past this are dropped (and counted)
  int threads = 2;
  int prefetch_batches = 4;
  uint64_t seed = 0;
  bool shuffle = true;
  // true: an endless stream of epochs (training); false: one pass, last batch partial.
  bool repeat = true;
  // The first batch to produce. Batch b's content depends only on (seed, b), so a resumed
  // training run starting at its global step sees exactly the batches it would have seen.
  int64_t start_batch = 0;
  std::vector<AugmentStep> augmentation;
  // Per-example weights for repeat-factor sampling (see data/repeat_factor.h); empty: every
  // example once per epoch. An epoch then holds round(sum) samples. Training only.
  std::vector<double> sample_weights;
  // Data-parallel training: this process makes shard `shard_index` of `shard_count` of every
  // global batch (shard_count * batch_size examples): global batch b's positions
  // [shard_index * batch_size, +batch_size). The examples and their augmentation are the
  // ones the whole global batch would have on one process. Repeating loaders only.
  int shard_index = 0, shard_count = 1;
  OnBadExample on_bad_example = OnBadExample::kFail;
  DecodeOptions decode;
  const LabelMap* labels = nullptr;  // ids for boxes read without one
};

struct Batch {
  Tensor images;     // [B,H,W,3] float32, (2/255)x - 1
  Tensor boxes;      // [B,max_boxes,4] float32 normalized ymin,xmin,ymax,xmax; zero padded
  Tensor classes;    // [B,max_boxes] int32 class ids (1-based); 0 padding
  Tensor num_boxes;  // [B] int32
  int size = 0;      // valid rows (< B only for the last batch of a non-repeating loader)
  int64_t index = 0;
  // Per valid row: the image-level class id of an image-labelled example (its boxes are
  // empty), 0 for a box-labelled one.
  std::vector<int> image_labels;
  std::vector<int64_t> example_indices;  // dataset index of each valid row
  std::vector<int64_t> epochs;
};

// One example, decoded, augmented and resized: out is height*width*3 floats. An image-level
// example skips the steps that need boxes (ssd_random_crop).
std::vector<NormBox> prepare_example(const Example& ex, const std::vector<AugmentStep>& steps,
                                     Rng& rng, const DecodeOptions& decode, const LabelMap* labels,
                                     int height, int width, float* out);

class Loader {
 public:
  Loader(const Dataset& dataset, LoaderOptions options);
  ~Loader();
  Loader(const Loader&) = delete;
  Loader& operator=(const Loader&) = delete;

  // The next batch in order; false when a non-repeating loader is done. Rethrows a worker's
  // UserError (on_bad_example: fail) at the batch where it happened.
  bool next(Batch* out);

  int64_t num_batches() const;  // per pass (repeat: batches per epoch, rounded up)
  int64_t epoch_length() const { return epoch_length_; }
  int64_t skipped() const;                        // bad examples replaced (on_bad_example: skip)
  int64_t boxes_dropped() const;                  // boxes past max_boxes
  std::vector<std::string> bad_examples() const;  // "where: why", each once

 private:
  void worker();
  Batch build(int64_t b);
  std::shared_ptr<const std::vector<int64_t>> order(int64_t epoch);

  const Dataset& ds_;
  LoaderOptions opt_;
  int64_t epoch_length_;   // samples per epoch: the dataset size, or round(sum of weights)
  int64_t total_batches_;  // -1: endless
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<int64_t, std::shared_ptr<const std::vector<int64_t>>> orders_;
  std::map<int64_t, Batch> ready_;
  std::map<int64_t, std::exception_ptr> errors_;
  std::map<std::string, std::string> bad_;
  int64_t skipped_ = 0, dropped_ = 0;
  int64_t next_build_ = 0, next_consume_ = 0;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace tailor::data
