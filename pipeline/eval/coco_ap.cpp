#include "pipeline/eval/coco_ap.h"

#include <algorithm>
#include <cfloat>
#include <cmath>

#include "runtime/error.h"

namespace tailor::pipeline {

std::vector<double> numpy_linspace(double start, double stop, int num) {
  std::vector<double> y(num);
  const double step = (stop - start) / (num - 1);
  for (int i = 0; i < num; ++i) y[i] = i * step + start;
  if (num > 1) y[num - 1] = stop;
  return y;
}

namespace {

struct XywhBox {
  double x, y, w, h;
};

XywhBox to_xywh(const models::BoxCorners& b) {
  return {b.xmin, b.ymin, double(b.xmax) - b.xmin, double(b.ymax) - b.ymin};
}

// maskUtils.bbIou without crowd.
double bb_iou(const XywhBox& d, const XywhBox& g) {
  const double w = std::min(d.x + d.w, g.x + g.w) - std::max(d.x, g.x);
  if (w <= 0) return 0.0;
  const double h = std::min(d.y + d.h, g.y + g.h) - std::max(d.y, g.y);
  if (h <= 0) return 0.0;
  const double i = w * h;
  return i / (d.w * d.h + g.w * g.h - i);
}

struct RankedDet {
  float score;
  std::vector<bool> matched;  // per IoU threshold
};

}  // namespace

CocoApResult coco_ap(const std::vector<ImageDetections>& images, int num_classes, int max_dets) {
  TAILOR_CHECK(num_classes >= 1, UserError, "coco_ap: num_classes must be >= 1");
  const std::vector<double> iou_thrs = numpy_linspace(0.5, 0.95, 10);
  const std::vector<double> rec_thrs = numpy_linspace(0.0, 1.0, 101);
  const size_t T = iou_thrs.size(), R = rec_thrs.size();
  // precision[k][t][r]; empty for categories without ground truth (pycocotools' -1).
  std::vector<std::vector<std::vector<double>>> precision(num_classes);

  for (int k = 0; k < num_classes; ++k) {
    const int label = k + 1;
    std::vector<RankedDet> ranked;
    int npig = 0;
    for (const auto& img : images) {
      std::vector<XywhBox> gts;
      for (const auto& g : img.groundtruth)
        if (g.label == label) gts.push_back(to_xywh(g.box));
      npig += static_cast<int>(gts.size());
      std::vector<const DetectionBox*> dets;
      for (const auto& d : img.detections)
        if (d.label == label) dets.push_back(&d);
      std::stable_sort(dets.begin(), dets.end(), [](const DetectionBox* a, const DetectionBox* b) {
        return a->score > b->score;
      });
      if (static_cast<int>(dets.size()) > max_dets) dets.resize(max_dets);
      std::vector<std::vector<bool>> gt_taken(T, std::vector<bool>(gts.size(), false));
      for (const DetectionBox* d : dets) {
        const XywhBox db = to_xywh(d->box);
        std::vector<double> ious(gts.size());
        for (size_t g = 0; g < gts.size(); ++g) ious[g] = bb_iou(db, gts[g]);
        RankedDet rd{d->score, std::vector<bool>(T, false)};
        for (size_t t = 0; t < T; ++t) {
          double best = std::min(iou_thrs[t], 1 - 1e-10);
          int m = -1;
          for (size_t g = 0; g < gts.size(); ++g) {
            if (gt_taken[t][g]) continue;
            if (ious[g] < best) continue;
            best = ious[g];
            m = static_cast<int>(g);
          }
          if (m >= 0) {
            gt_taken[t][m] = true;
            rd.matched[t] = true;
          }
        }
        ranked.push_back(std::move(rd));
      }
    }
    if (npig == 0) continue;
    // Images are concatenated in order, then merge-sorted by score: a stable sort.
    std::stable_sort(ranked.begin(), ranked.end(),
                     [](const RankedDet& a, const RankedDet& b) { return a.score > b.score; });
    auto& prec = precision[k];
    prec.assign(T, std::vector<double>(R, 0.0));
    const size_t nd = ranked.size();
    for (size_t t = 0; t < T; ++t) {
      std::vector<double> rc(nd), pr(nd);
      double tp = 0, fp = 0;
      for (size_t i = 0; i < nd; ++i) {
        (ranked[i].matched[t] ? tp : fp) += 1;
        rc[i] = tp / npig;
        pr[i] = tp / (fp + tp + DBL_EPSILON);  // np.spacing(1)
      }
      for (size_t i = nd; i-- > 1;)
        if (pr[i] > pr[i - 1]) pr[i - 1] = pr[i];
      for (size_t r = 0; r < R; ++r) {
        const size_t idx = std::lower_bound(rc.begin(), rc.end(), rec_thrs[r]) - rc.begin();
        if (idx < nd) prec[t][r] = pr[idx];
      }
    }
  }

  CocoApResult res;
  res.ap_per_class.assign(num_classes, -1.0);
  auto mean_over = [&](int t_only, int k_only) {
    double sum = 0;
    long n = 0;
    for (int k = 0; k < num_classes; ++k) {
      if (precision[k].empty() || (k_only >= 0 && k != k_only)) continue;
      for (size_t t = 0; t < T; ++t) {
        if (t_only >= 0 && static_cast<int>(t) != t_only) continue;
        for (double p : precision[k][t]) sum += p, ++n;
      }
    }
    return n ? sum / n : -1.0;
  };
  res.ap = mean_over(-1, -1);
  res.ap50 = mean_over(0, -1);
  res.ap75 = mean_over(5, -1);
  for (int k = 0; k < num_classes; ++k) res.ap_per_class[k] = mean_over(-1, k);
  return res;
}

}  // namespace tailor::pipeline
