#include "pipeline/eval/pascal_voc_ap.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "runtime/error.h"

namespace tailor::pipeline {

namespace {

struct ScoredLabel {
  float score;
  bool true_positive;
};

// per_image_evaluation._compute_tp_fp_for_single_class.
void match_one_class(const ImageDetections& img, int label, double iou_threshold,
                     std::vector<ScoredLabel>* out) {
  std::vector<const DetectionBox*> dets;
  for (const auto& d : img.detections)
    if (d.label == label) dets.push_back(&d);
  std::stable_sort(dets.begin(), dets.end(), [](const DetectionBox* a, const DetectionBox* b) {
    return a->score > b->score;
  });
  std::vector<const GroundTruthBox*> gts;
  for (const auto& g : img.groundtruth)
    if (g.label == label) gts.push_back(&g);
  std::vector<bool> taken(gts.size(), false);
  for (const DetectionBox* d : dets) {
    bool tp = false;
    if (!gts.empty()) {
      // np.argmax: the first of equal maxima.
      size_t best = 0;
      float best_iou = -1.f;
      for (size_t g = 0; g < gts.size(); ++g) {
        const float o = models::iou(d->box, gts[g]->box);
        if (o > best_iou) best_iou = o, best = g;
      }
      if (best_iou >= iou_threshold && !taken[best]) tp = taken[best] = true;
    }
    out->push_back({d->score, tp});
  }
}

}  // namespace

double average_precision_all_points(const std::vector<double>& precision,
                                    const std::vector<double>& recall) {
  std::vector<double> r{0.0}, p{0.0};
  r.insert(r.end(), recall.begin(), recall.end());
  p.insert(p.end(), precision.begin(), precision.end());
  r.push_back(1.0);
  p.push_back(0.0);
  for (size_t i = p.size() - 1; i-- > 0;) p[i] = std::max(p[i], p[i + 1]);
  double ap = 0.0;
  for (size_t i = 1; i < r.size(); ++i)
    if (r[i] != r[i - 1]) ap += (r[i] - r[i - 1]) * p[i];
  return ap;
}

VocApResult pascal_voc_ap(const std::vector<ImageDetections>& images, int num_classes,
                          double iou_threshold) {
  TAILOR_CHECK(num_classes >= 1, UserError, "pascal_voc_ap: num_classes must be >= 1");
  VocApResult r;
  r.ap_per_class.assign(num_classes, std::numeric_limits<double>::quiet_NaN());
  r.num_groundtruth.assign(num_classes, 0);
  for (const auto& img : images)
    for (const auto& g : img.groundtruth) {
      TAILOR_CHECK(g.label >= 1 && g.label <= num_classes, UserError, "image ", img.image_id,
                   ": ground-truth label ", g.label, " is outside 1..", num_classes);
      ++r.num_groundtruth[g.label - 1];
    }
  double sum = 0.0;
  int counted = 0;
  for (int c = 1; c <= num_classes; ++c) {
    const int n_gt = r.num_groundtruth[c - 1];
    if (n_gt == 0) continue;
    std::vector<ScoredLabel> ranked;
    for (const auto& img : images) match_one_class(img, c, iou_threshold, &ranked);
    std::stable_sort(ranked.begin(), ranked.end(),
                     [](const ScoredLabel& a, const ScoredLabel& b) { return a.score > b.score; });
    std::vector<double> precision, recall;
    double tp = 0, fp = 0;
    for (const auto& s : ranked) {
      (s.true_positive ? tp : fp) += 1;
      precision.push_back(tp / (tp + fp));
      recall.push_back(tp / n_gt);
    }
    const double ap = average_precision_all_points(precision, recall);
    r.ap_per_class[c - 1] = ap;
    sum += ap;
    ++counted;
  }
  r.mean_ap = counted ? sum / counted : std::numeric_limits<double>::quiet_NaN();
  return r;
}

}  // namespace tailor::pipeline
