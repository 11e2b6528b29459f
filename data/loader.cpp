#include "data/loader.h"

#include <algorithm>
#include <cstring>
#include <numeric>

#include "data/format_util.h"
#include "data/repeat_factor.h"
#include "runtime/error.h"

namespace tailor::data {

OnBadExample parse_on_bad_example(const std::string& s) {
  if (s == "fail") return OnBadExample::kFail;
  if (s == "skip") return OnBadExample::kSkip;
  throw UserError("on_bad_example: '" + s + "' is not fail or skip");
}

std::vector<NormBox> prepare_example(const Example& ex, const std::vector<AugmentStep>& steps,
                                     Rng& rng, const DecodeOptions& decode, const LabelMap* labels,
                                     int height, int width, float* out) {
  std::vector<NormBox> boxes;
  for (size_t i = 0; i < ex.boxes.size(); ++i) {
    const Box& b = ex.boxes[i];
    const int id = box_class_id(ex, i, labels);
    NormBox nb;
    nb.ymin = b.ymin / ex.height, nb.xmin = b.xmin / ex.width;
    nb.ymax = b.ymax / ex.height, nb.xmax = b.xmax / ex.width;
    nb.label = id;
    boxes.push_back(nb);
  }
  std::string where = ex.image_path.empty() ? ex.where() : ex.image_path;
  Image img = decode_image(example_image_bytes(ex), where, decode);
  if (!ex.has_image_label()) {
    augment_and_resize(img, &boxes, steps, rng, height, width, out);
    return boxes;
  }
  // An image-level label does not say where the garment is, so a crop could cut it out and
  // leave a label that no longer holds: such examples get every step but the crop.
  std::vector<AugmentStep> uncropped;
  for (const AugmentStep& s : steps)
    if (!augmentation_needs_boxes(s.name)) uncropped.push_back(s);
  augment_and_resize(img, &boxes, uncropped, rng, height, width, out);
  return boxes;
}

Loader::Loader(const Dataset& dataset, LoaderOptions options)
    : ds_(dataset), opt_(std::move(options)) {
  TAILOR_CHECK(!ds_.empty(), UserError, "data loader: the dataset is empty");
  TAILOR_CHECK(opt_.batch_size > 0 && opt_.height > 0 && opt_.width > 0 && opt_.max_boxes > 0,
               UserError, "data loader: batch size, image size and max_boxes must be positive");
  validate_augmentation(opt_.augmentation);
  const int64_t n = static_cast<int64_t>(ds_.size());
  TAILOR_CHECK(opt_.shard_count >= 1 && opt_.shard_index >= 0 &&
                   opt_.shard_index < opt_.shard_count && (opt_.shard_count == 1 || opt_.repeat),
               UserError, "data loader: shard ", opt_.shard_index, " of ", opt_.shard_count,
               " is invalid (sharding is for repeating training loaders)");
  TAILOR_CHECK(opt_.sample_weights.empty() || opt_.repeat, UserError,
               "data loader: sample weights need a repeating (training) loader");
  TAILOR_CHECK(opt_.sample_weights.empty() || static_cast<int64_t>(opt_.sample_weights.size()) == n,
               UserError, "data loader: ", opt_.sample_weights.size(), " sample weights for ", n,
               " examples");
  epoch_length_ = opt_.sample_weights.empty() ? n : sample_epoch_length(opt_.sample_weights);
  total_batches_ = opt_.repeat ? -1 : (n + opt_.batch_size - 1) / opt_.batch_size;
  int threads = std::max(1, opt_.threads);
  opt_.prefetch_batches = std::max(opt_.prefetch_batches, threads);
  TAILOR_CHECK(opt_.start_batch >= 0 && (total_batches_ < 0 || opt_.start_batch <= total_batches_),
               UserError, "data loader: start_batch ", opt_.start_batch, " is out of range");
  next_build_ = next_consume_ = opt_.start_batch;
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { worker(); });
}

Loader::~Loader() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : threads_) t.join();
}

int64_t Loader::num_batches() const {
  return (epoch_length_ + opt_.batch_size - 1) / opt_.batch_size;
}
int64_t Loader::skipped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return skipped_;
}
int64_t Loader::boxes_dropped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return dropped_;
}
std::vector<std::string> Loader::bad_examples() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (const auto& kv : bad_) out.push_back(kv.second);
  return out;
}

std::shared_ptr<const std::vector<int64_t>> Loader::order(int64_t epoch) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = orders_.find(epoch);
  if (it != orders_.end()) return it->second;
  auto shuffle = [](std::vector<int64_t>* v, Rng& rng) {
    for (size_t i = v->size(); i > 1; --i)
      std::swap((*v)[i - 1], (*v)[uniform_int(rng, static_cast<uint32_t>(i))]);
  };
  std::vector<int64_t> o(ds_.size());
  std::iota(o.begin(), o.end(), 0);
  if (!opt_.sample_weights.empty()) {
    // Which images get the rounding's extra copy changes from epoch to epoch (its own
    // stream, so unweighted runs keep their order).
    Rng rng = example_rng(opt_.seed, epoch, -2);
    double offset = 0.5;
    if (opt_.shuffle) {
      shuffle(&o, rng);
      offset = uniform01(rng);
    }
    o = systematic_sample(opt_.sample_weights, o, offset);
  }
  if (opt_.shuffle) {
    Rng rng = example_rng(opt_.seed, epoch, -1);
    shuffle(&o, rng);
  }
  // Only the epochs of batches in flight are needed; holders keep theirs alive.
  while (orders_.size() > 8) orders_.erase(orders_.begin());
  auto shared = std::make_shared<const std::vector<int64_t>>(std::move(o));
  orders_.emplace(epoch, shared);
  return shared;
}

Batch Loader::build(int64_t b) {
  const int B = opt_.batch_size, H = opt_.height, W = opt_.width, M = opt_.max_boxes;
  const int64_t n = epoch_length_;
  Batch batch;
  batch.index = b;
  batch.images = Tensor::zeros({B, H, W, 3});
  batch.boxes = Tensor::zeros({B, M, 4});
  batch.classes = Tensor::zeros({B, M}, DType::Int32);
  batch.num_boxes = Tensor::zeros({B}, DType::Int32);
  float* img = batch.images.data<float>();
  float* bx = batch.boxes.data<float>();
  int32_t* cls = batch.classes.data<int32_t>();
  int32_t* nb = batch.num_boxes.data<int32_t>();
  // This process's shard of global batch b (the whole of it on one process).
  const int64_t global_b = int64_t(B) * opt_.shard_count, first = int64_t(opt_.shard_index) * B;
  for (int i = 0; i < B; ++i) {
    int64_t pos = b * global_b + first + i;
    if (total_batches_ >= 0 && pos >= n) break;
    int64_t epoch = pos / n, k = pos % n;
    std::shared_ptr<const std::vector<int64_t>> ord_ptr = order(epoch);
    const std::vector<int64_t>& ord = *ord_ptr;
    std::vector<NormBox> boxes;
    int64_t idx = -1;
    // A bad example is replaced by the next good one in this epoch's order (deterministic:
    // decoding does not depend on timing).
    for (int64_t tries = 0; tries < n; ++tries) {
      const int64_t slot = (k + tries) % n;
      idx = ord[slot];
      // A repeated image's copies in one epoch must not share their augmentation, so weighted
      // epochs key each sample's stream by its slot (past the image indices).
      const int64_t stream =
          opt_.sample_weights.empty() ? idx : static_cast<int64_t>(ds_.size()) + slot;
      Rng rng = example_rng(opt_.seed, epoch, stream);
      try {
        boxes = prepare_example(ds_[idx], opt_.augmentation, rng, opt_.decode, opt_.labels, H, W,
                                img + size_t(i) * H * W * 3);
        break;
      } catch (const UserError& e) {
        if (opt_.on_bad_example == OnBadExample::kFail) throw;
        std::lock_guard<std::mutex> lock(mu_);
        ++skipped_;
        bad_.emplace(ds_[idx].where(), e.what());
        idx = -1;
      }
    }
    if (idx < 0)
      throw UserError("data loader: every example failed to load (on_bad_example: skip)");
    int count = static_cast<int>(std::min<size_t>(boxes.size(), M));
    if (boxes.size() > size_t(M)) {
      std::lock_guard<std::mutex> lock(mu_);
      dropped_ += static_cast<int64_t>(boxes.size()) - M;
    }
    for (int j = 0; j < count; ++j) {
      float* d = bx + (size_t(i) * M + j) * 4;
      d[0] = boxes[j].ymin, d[1] = boxes[j].xmin, d[2] = boxes[j].ymax, d[3] = boxes[j].xmax;
      cls[size_t(i) * M + j] = boxes[j].label;
    }
    nb[i] = count;
    batch.image_labels.push_back(
        ds_[idx].has_image_label() ? image_label_class_id(ds_[idx], opt_.labels) : 0);
    batch.example_indices.push_back(idx);
    batch.epochs.push_back(epoch);
    ++batch.size;
  }
  return batch;
}

void Loader::worker() {
  for (;;) {
    int64_t b;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] {
        return stop_ || (next_build_ < next_consume_ + opt_.prefetch_batches &&
                         (total_batches_ < 0 || next_build_ < total_batches_));
      });
      if (stop_) return;
      b = next_build_++;
    }
    Batch batch;
    std::exception_ptr err;
    try {
      batch = build(b);
    } catch (...) {
      err = std::current_exception();
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (err)
        errors_[b] = err;
      else
        ready_[b] = std::move(batch);
    }
    cv_.notify_all();
  }
}

bool Loader::next(Batch* out) {
  std::unique_lock<std::mutex> lock(mu_);
  if (total_batches_ >= 0 && next_consume_ >= total_batches_) return false;
  int64_t b = next_consume_;
  cv_.wait(lock, [&] { return ready_.count(b) || errors_.count(b); });
  auto e = errors_.find(b);
  if (e != errors_.end()) {
    std::exception_ptr err = e->second;
    errors_.erase(e);
    ++next_consume_;
    lock.unlock();
    cv_.notify_all();
    std::rethrow_exception(err);
  }
  *out = std::move(ready_[b]);
  ready_.erase(b);
  ++next_consume_;
  lock.unlock();
  cv_.notify_all();
  return true;
}

}  // namespace tailor::data
