#include "models/ssd_loss.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "engine/autograd.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/losses.h"
#include "engine/ops/reduce.h"
#include "engine/ops/shape_ops.h"
#include "engine/optim/l2_regularizer.h"
#include "kernels/cpu/elementwise.h"
#include "models/box_coder.h"
#include "models/hard_example_miner.h"
#include "models/image_level.h"
#include "models/matcher.h"
#include "runtime/error.h"
#include "runtime/thread_pool.h"

namespace tailor::models {
namespace {

// The [N, A, C+1] classification targets and weights, built where the logits are from one
// small table each and a row index per anchor, instead of filled on the host and copied: at
// batch 64 with 90 classes each is 45 MB, which dominated a GPU step's loss. Target rows are
// one-hot (0..C, background included) or all zero (kNoTarget); a weight row is one value
// across the classes or, for image labels without box negatives, on the label alone; a
// uniform row can leave out some classes (the label's ambiguous ones: GroundTruth::ambiguous).
class ClassTargetTables {
 public:
  static constexpr int kUniform = -1;  // a weight row's label for "every class"

  explicit ClassTargetTables(int64_t classes) : c1_(classes) {}

  int no_target() const { return static_cast<int>(c1_); }

  // The weight row for (label, weight, classes left out), added on first use. Called from one
  // thread.
  int weight_row(int label, float weight, const std::vector<int>* left_out) {
    static const std::vector<int> kNone;
    const std::vector<int>& out = left_out ? *left_out : kNone;
    for (size_t k = 0; k < keys_.size(); ++k)
      if (keys_[k].label == label && keys_[k].weight == weight && keys_[k].left_out == out)
        return static_cast<int>(k);
    keys_.push_back({label, weight, out});
    return static_cast<int>(keys_.size() - 1);
  }

  // Gathers `rows` ([N * A] indices) of the target or weight table into a tensor [n, a, C+1]
  // on `dev`.
  Tensor targets(const std::vector<int32_t>& rows, int64_t n, int64_t a, Device dev) const {
    std::vector<float> table((c1_ + 1) * c1_, 0.f);
    for (int64_t k = 0; k < c1_; ++k) table[k * c1_ + k] = 1.f;
    return gather(table, c1_ + 1, rows, n, a, dev);
  }
  Tensor weights(const std::vector<int32_t>& rows, int64_t n, int64_t a, Device dev) const {
    std::vector<float> table(keys_.size() * c1_, 0.f);
    for (size_t k = 0; k < keys_.size(); ++k) {
      const WeightKey& key = keys_[k];
      if (key.label == kUniform) {
        std::fill_n(&table[k * c1_], c1_, key.weight);
        for (int c : key.left_out) table[k * c1_ + c] = 0.f;
      } else {
        table[k * c1_ + key.label] = key.weight;
      }
    }
    return gather(table, static_cast<int64_t>(keys_.size()), rows, n, a, dev);
  }

 private:
  Tensor gather(const std::vector<float>& table, int64_t table_rows,
                const std::vector<int32_t>& rows, int64_t n, int64_t a, Device dev) const {
    NoGradGuard no_grad;
    const Tensor index =
        Tensor::from_vector_i32(rows, {static_cast<int64_t>(rows.size())});  // uploaded by the op
    const Tensor t = Tensor::from_vector(table, {table_rows, c1_}).to(dev);
    return ops::reshape(ops::gather_rows(t, index), {n, a, c1_});
  }

  struct WeightKey {
    int label;
    float weight;
    std::vector<int> left_out;
  };
  int64_t c1_;
  std::vector<WeightKey> keys_;
};

// The classes that a box or image label of class `c` leaves untaught, or null.
const std::vector<int>* untaught(const GroundTruth& g, int c) {
  if (!g.ambiguous || c <= 0 || c >= static_cast<int>(g.ambiguous->size())) return nullptr;
  const std::vector<int>& others = (*g.ambiguous)[c];
  return others.empty() ? nullptr : &others;
}

}  // namespace

SsdLosses ssd_loss(const SsdOutput& output, const std::vector<BoxCorners>& anchors,
                   const std::vector<GroundTruth>& groundtruth, const ParameterSet& params,
                   const SsdConfig& config, const LossReduction* reduction) {
  const Tensor& logits = output.class_logits;
  const Tensor& codes = output.box_encodings;
  const int64_t n = logits.size(0), a = logits.size(1), c1 = logits.size(2);
  TAILOR_CHECK(logits.dim() == 3 && codes.dim() == 3 && codes.size(0) == n && codes.size(1) == a &&
                   codes.size(2) == 4 && a == static_cast<int64_t>(anchors.size()) &&
                   c1 == config.num_classes + 1,
               ShapeError, "ssd_loss: class logits ", shape_str(logits.shape()),
               " and box encodings ", shape_str(codes.shape()), " do not fit ", anchors.size(),
               " anchors and ", config.num_classes, " classes");
  TAILOR_CHECK(static_cast<int64_t>(groundtruth.size()) == n, UserError,
               "ssd_loss: ", groundtruth.size(), " groundtruth entries for a batch of ", n);

  ClassTargetTables tables(c1);
  // Per anchor: its target row, and its weight's (label, value) until the table is built.
  std::vector<int32_t> target_row(n * a, tables.no_target());
  std::vector<int> weight_label(n * a, ClassTargetTables::kUniform);
  std::vector<float> weight_value(n * a, 0.f);
  std::vector<const std::vector<int>*> weight_left_out(n * a, nullptr);
  std::vector<float> reg_targets(n * a * 4, 0.f), reg_weights(n * a * 4, 0.f);
  std::vector<std::vector<int>> matches(n);
  std::vector<int> image_matches(n, 0);
  // Image-labelled rows choose their anchors from the detached predictions.
  bool any_image_level = false;
  for (const GroundTruth& g : groundtruth) any_image_level |= g.image_level;
  const std::vector<float> code_values = codes.to_vector();
  std::vector<float> probs;
  if (any_image_level) {
    probs = logits.to_vector();
    kernels::cpu::sigmoid(static_cast<int64_t>(probs.size()), probs.data(), probs.data());
  }
  std::vector<float> mask(n * a, 0.f);
  // Exhaustive image labels: per image, the columns its negatives leave untaught (background,
  // the label and the label's ambiguous classes).
  std::vector<std::vector<int>> absent_left_out(n);
  // Images are independent: each writes only its own rows, so threads never change results.
  parallel_for(0, n, 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const GroundTruth& g = groundtruth[i];
      if (g.image_level) {
        TAILOR_CHECK(g.boxes.empty() && g.image_label >= 0 && g.image_label <= config.num_classes,
                     UserError, "ssd_loss: image-level row ", i, " has boxes or class ",
                     g.image_label);
        matches[i].assign(a, kIgnored);
        if (g.image_label == 0) continue;
        const std::vector<BoxCorners> decoded =
            decode_boxes(&code_values[i * a * 4], anchors, config.box_coder);
        const ImagePredictions pred{&decoded, &probs[i * a * c1], static_cast<int>(c1)};
        const std::vector<int> positives = image_level_positives(
            anchors, pred, g.image_label, config.loss.image_level, config.matcher);
        if (g.labels_exhaustive) {
          // Every other class is absent from the photo: each anchor is a candidate negative
          // for those columns (all zero targets, background and the label left out), mined
          // below like a box row's negatives.
          std::vector<int>& left_out = absent_left_out[i];
          left_out = {0, g.image_label};
          if (const std::vector<int>* more = untaught(g, g.image_label))
            left_out.insert(left_out.end(), more->begin(), more->end());
          for (int64_t j = 0; j < a; ++j) {
            const int64_t row = i * a + j;
            weight_value[row] = config.loss.image_level.weight;
            weight_left_out[row] = &left_out;
            matches[i][j] = kUnmatched;
          }
        }
        for (int j : positives) {
          const int64_t row = i * a + j;
          target_row[row] = g.image_label;
          weight_value[row] = config.loss.image_level.weight;
          weight_left_out[row] = nullptr;
          if (!config.loss.image_level.box_negatives)
            weight_label[row] = g.image_label;
          else
            weight_left_out[row] = untaught(g, g.image_label);
          matches[i][j] = 0;
          mask[row] = 1.f;
          ++image_matches[i];
        }
        continue;
      }
      Targets t = assign_targets(anchors, g, config.num_classes, config.matcher, config.box_coder);
      image_matches[i] = t.num_matches();
      for (int64_t j = 0; j < a; ++j) {
        const int64_t row = i * a + j;
        target_row[row] = t.cls_target[j];
        weight_value[row] = t.cls_weight[j];
        weight_left_out[row] = untaught(g, t.cls_target[j]);
        const BoxCode& r = t.reg_target[j];
        float* rt = &reg_targets[row * 4];
        rt[0] = r.ty, rt[1] = r.tx, rt[2] = r.th, rt[3] = r.tw;
        std::fill_n(&reg_weights[row * 4], 4, t.reg_weight[j]);
      }
      matches[i] = std::move(t.match);
    }
  });
  int num_matches = 0;
  for (int m : image_matches) num_matches += m;
  const Device dev = logits.device();
  auto put = [&](const std::vector<float>& v, const Shape& s) {
    return Tensor::from_vector(v, s).to(dev);
  };
  std::vector<int32_t> weight_row(n * a);
  for (int64_t r = 0; r < n * a; ++r)
    weight_row[r] = tables.weight_row(weight_label[r], weight_value[r], weight_left_out[r]);
  // Per-anchor losses [N, A]: sigmoid CE summed over classes, smooth L1 summed over codes.
  Tensor cls_losses = ops::sum_last_dim(ops::mul(
      ops::sigmoid_cross_entropy_with_logits(logits, tables.targets(target_row, n, a, dev)),
      tables.weights(weight_row, n, a, dev)));
  Tensor loc_losses = ops::sum_last_dim(
      ops::mul(ops::smooth_l1(codes, put(reg_targets, {n, a, 4})), put(reg_weights, {n, a, 4})));

  // Hard example mining on detached values: NMS over the decoded predictions. Image-labelled
  // rows keep all their chosen anchors, and mine negatives only when their labels are
  // exhaustive (otherwise they have none).
  SsdLosses out;
  {
    const std::vector<float> cls_values = cls_losses.to_vector();
    std::vector<MinedExamples> per_image(n);
    parallel_for(0, n, 1, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        const GroundTruth& g = groundtruth[i];
        const bool mines = !g.image_level || (g.labels_exhaustive && g.image_label > 0);
        if (!mines) {
          per_image[i].num_positives = image_matches[i];
          continue;
        }
        const std::vector<BoxCorners> decoded =
            decode_boxes(&code_values[i * a * 4], anchors, config.box_coder);
        const std::vector<float> image_losses(cls_values.begin() + i * a,
                                              cls_values.begin() + (i + 1) * a);
        per_image[i] = mine_hard_examples(decoded, image_losses, matches[i], config.loss);
        for (int j : per_image[i].indices) mask[i * a + j] = 1.f;
        if (g.image_level) {
          // The chosen anchors all train (the mask above keeps them), whether NMS kept them.
          per_image[i].num_negatives = 0;
          for (int j : per_image[i].indices) per_image[i].num_negatives += matches[i][j] < 0;
          per_image[i].num_positives = image_matches[i];
        }
      }
    });
    for (const MinedExamples& mined : per_image) {
      out.num_positives += mined.num_positives;
      out.num_negatives += mined.num_negatives;
    }
  }
  Tensor mined = put(mask, {n, a});
  // normalize_loss_by_num_matches: the batch's matches (the global batch's, data-parallel),
  // at least 1.
  const int64_t batch_matches =
      reduction && reduction->global_matches ? reduction->global_matches(num_matches) : num_matches;
  const float normalizer = static_cast<float>(std::max<int64_t>(batch_matches, 1));
  const float scale = reduction ? reduction->scale : 1.f;
  out.num_matches = num_matches;
  out.classification = ops::scale(ops::sum(ops::mul(cls_losses, mined)),
                                  scale * config.loss.classification_weight / normalizer);
  out.localization = ops::scale(ops::sum(ops::mul(loc_losses, mined)),
                                scale * config.loss.localization_weight / normalizer);
  out.regularization = optim::l2_regularization_loss(params, config.loss.l2_weight);
  if (out.regularization.device() != dev) out.regularization = out.regularization.to(dev);
  out.total = ops::add(ops::add(out.classification, out.localization), out.regularization);
  return out;
}

}  // namespace tailor::models
