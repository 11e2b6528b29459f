#include "models/post_process.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "kernels/cpu/elementwise.h"
#include "models/box_coder.h"
#include "models/nms.h"
#include "runtime/error.h"
#include "runtime/thread_pool.h"

namespace tailor::models {

namespace {

void check_scores(const std::vector<BoxCorners>& boxes, const std::vector<float>& scores,
                  int num_classes) {
  TAILOR_CHECK(scores.size() == boxes.size() * size_t(num_classes), UserError,
               "multiclass_nms: ", scores.size(), " scores for ", boxes.size(), " boxes and ",
               num_classes, " classes");
}

// One class's NMS over the boxes whose score passes the threshold and reaches `floor`, clipped
// to the window (filter_greater_than, then clip_to_window, which drops boxes left with no
// area), appended to `out`.
void class_nms(const std::vector<BoxCorners>& boxes, const std::vector<float>& scores,
               int num_classes, int c, float floor, const PostProcessConfig& config,
               std::vector<Detection>& out) {
  const BoxCorners window{0.f, 0.f, 1.f, 1.f};
  std::vector<BoxCorners> cand_boxes;
  std::vector<float> cand_scores;
  for (size_t a = 0; a < boxes.size(); ++a) {
    const float s = scores[a * num_classes + c];
    if (!(s > config.score_threshold) || s < floor) continue;
    const BoxCorners b = clip_to_window(boxes[a], window);
    if (!(area(b) > 0.f)) continue;
    cand_boxes.push_back(b);
    cand_scores.push_back(s);
  }
  const int max_size = std::min<int>(config.max_detections_per_class, cand_boxes.size());
  for (int i : non_max_suppression(cand_boxes, cand_scores, max_size, config.iou_threshold)) {
    const BoxCorners& b = cand_boxes[i];
    out.push_back({c + 1, cand_scores[i], b.ymin, b.xmin, b.ymax, b.xmax});
  }
}

// tf.nn.top_k order: by score, ties keep their (class, NMS) order.
void sort_by_score(std::vector<Detection>& d) {
  std::stable_sort(d.begin(), d.end(),
                   [](const Detection& a, const Detection& b) { return a.score > b.score; });
}

}  // namespace

// The classes run in order with the best max_total_detections so far kept sorted. Once that
// many are kept, a box scoring below the last of them can never be output: it would rank after
// all of them (and every box of its class after it scores lower still, so leaving it out of
// the class's NMS changes nothing that could be output). With a trained model's scores, most
// classes then bring a handful of candidates instead of every anchor.
std::vector<Detection> multiclass_nms(const std::vector<BoxCorners>& boxes,
                                      const std::vector<float>& scores, int num_classes,
                                      const PostProcessConfig& config) {
  check_scores(boxes, scores, num_classes);
  const size_t keep = static_cast<size_t>(std::max(config.max_total_detections, 0));
  std::vector<Detection> best;
  if (keep == 0) return best;
  for (int c = 0; c < num_classes; ++c) {
    const float floor = best.size() >= keep ? best[keep - 1].score : -INFINITY;
    const size_t before = best.size();
    class_nms(boxes, scores, num_classes, c, floor, config, best);
    if (best.size() == before) continue;
    // Earlier classes first among equal scores, as one stable sort of everything would have.
    sort_by_score(best);
    if (best.size() > keep) best.resize(keep);
  }
  return best;
}

std::vector<Detection> multiclass_nms_ref(const std::vector<BoxCorners>& boxes,
                                          const std::vector<float>& scores, int num_classes,
                                          const PostProcessConfig& config) {
  check_scores(boxes, scores, num_classes);
  std::vector<Detection> all;
  for (int c = 0; c < num_classes; ++c)
    class_nms(boxes, scores, num_classes, c, -INFINITY, config, all);
  sort_by_score(all);
  if (static_cast<int>(all.size()) > config.max_total_detections)
    all.resize(std::max(config.max_total_detections, 0));
  return all;
}

std::vector<std::vector<Detection>> detect(const SsdOutput& output,
                                           const std::vector<BoxCorners>& anchors,
                                           const BoxCoderConfig& coder,
                                           const PostProcessConfig& config) {
  const Tensor& logits = output.class_logits;
  const Tensor& codes = output.box_encodings;
  TAILOR_CHECK(logits.dim() == 3 && codes.dim() == 3 && codes.size(2) == 4 &&
                   logits.size(0) == codes.size(0) && logits.size(1) == codes.size(1) &&
                   codes.size(1) == static_cast<int64_t>(anchors.size()) && logits.size(2) >= 2,
               ShapeError, "detect: class logits ", shape_str(logits.shape()),
               " and box encodings ", shape_str(codes.shape()), " do not fit ", anchors.size(),
               " anchors");
  const int64_t n = logits.size(0), a = logits.size(1);
  const int k = static_cast<int>(logits.size(2)) - 1;
  std::vector<float> probs = logits.to_vector();
  kernels::cpu::sigmoid(static_cast<int64_t>(probs.size()), probs.data(), probs.data());
  const std::vector<float> cv = codes.to_vector();
  std::vector<std::vector<Detection>> out(n);
  // Images are independent; each thread fills only its own entries of `out`.
  parallel_for(0, n, 1, [&](int64_t begin, int64_t end) {
    std::vector<float> scores(a * k);
    for (int64_t i = begin; i < end; ++i) {
      const std::vector<BoxCorners> boxes = decode_boxes(&cv[i * a * 4], anchors, coder);
      // The background column is dropped.
      for (int64_t j = 0; j < a; ++j)
        std::copy_n(&probs[(i * a + j) * (k + 1) + 1], k, &scores[j * k]);
      out[i] = multiclass_nms(boxes, scores, k, config);
    }
  });
  return out;
}

}  // namespace tailor::models
