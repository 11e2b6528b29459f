#include "models/nms.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_map>

#include "runtime/error.h"

namespace tailor::models {

namespace {

// A selected box in canonical form (corners ordered, area computed once), so the inner loop
// does only the intersection; the arithmetic is nms_iou's, so results are identical.
struct Canonical {
  float ymin, xmin, ymax, xmax, area;
};

Canonical canonical(const BoxCorners& b) {
  Canonical c{std::min(b.ymin, b.ymax), std::min(b.xmin, b.xmax), std::max(b.ymin, b.ymax),
              std::max(b.xmin, b.xmax), 0.f};
  c.area = (c.ymax - c.ymin) * (c.xmax - c.xmin);
  return c;
}

bool overlaps(const Canonical& b, const Canonical& k, float iou_threshold) {
  const float ih = std::max(0.f, std::min(b.ymax, k.ymax) - std::max(b.ymin, k.ymin));
  const float iw = std::max(0.f, std::min(b.xmax, k.xmax) - std::max(b.xmin, k.xmin));
  const float inter = ih * iw;
  return inter / (b.area + k.area - inter) > iou_threshold;
}

// The selected boxes, binned by log(area). IoU <= min(area) / max(area), so a box can only
// exceed a threshold t against boxes whose areas are within a factor t of its own: those lie in
// its own bin or the two beside it when bins are log(1/t) wide. Hard example mining runs NMS
// at IoU 0.99 over all 1917 anchors, where this checks a few dozen boxes instead of every
// selected one (the brute-force loop was 15% of a training step).
class AreaBins {
 public:
  // Bins are widened by a relative 1e-4 so float rounding of the IoU can never reach past them.
  explicit AreaBins(float iou_threshold)
      : width_(std::log(1.0 / iou_threshold) * (1.0 + 1e-4) + 1e-6) {}

  // A box with no area, or a NaN or infinite one (a diverged prediction), has no bin: every IoU
  // with it is 0 or NaN, so it neither suppresses nor is suppressed.
  static bool binnable(float area) { return area > 0.f && !std::isinf(area); }

  bool suppresses(const Canonical& b, float iou_threshold) const {
    if (!binnable(b.area)) return false;
    const long bin = bin_of(b.area);
    for (long n = bin - 1; n <= bin + 1; ++n) {
      auto it = bins_.find(n);
      if (it == bins_.end()) continue;
      for (const Canonical& k : it->second)
        if (overlaps(b, k, iou_threshold)) return true;
    }
    return false;
  }
  void add(const Canonical& b) {
    if (binnable(b.area)) bins_[bin_of(b.area)].push_back(b);
  }

 private:
  long bin_of(float area) const {
    return static_cast<long>(std::floor(std::log(static_cast<double>(area)) / width_));
  }
  double width_;
  std::unordered_map<long, std::vector<Canonical>> bins_;
};

}  // namespace

std::vector<int> non_max_suppression(const std::vector<BoxCorners>& boxes,
                                     const std::vector<float>& scores, int max_output,
                                     float iou_threshold, float score_threshold) {
  TAILOR_CHECK(boxes.size() == scores.size(), UserError, "non_max_suppression: ", boxes.size(),
               " boxes and ", scores.size(), " scores");
  std::vector<int> order;
  for (size_t i = 0; i < boxes.size(); ++i)
    if (scores[i] > score_threshold) order.push_back(static_cast<int>(i));
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return scores[a] > scores[b]; });
  // Thresholds outside (0, 1) (or NaN) keep the plain scan: no area window bounds them.
  const bool binned = iou_threshold > 0.f && iou_threshold < 1.f;
  AreaBins bins(binned ? iou_threshold : 0.5f);
  std::vector<Canonical> kept;
  std::vector<int> selected;
  for (int i : order) {
    if (static_cast<int>(selected.size()) >= max_output) break;
    const Canonical b = canonical(boxes[i]);
    bool keep = true;
    if (binned) {
      keep = !bins.suppresses(b, iou_threshold);
    } else if (b.area > 0.f) {  // a box with no area overlaps nothing (nms_iou returns 0)
      for (const Canonical& k : kept)
        if (k.area > 0.f && overlaps(b, k, iou_threshold)) {
          keep = false;
          break;
        }
    }
    if (!keep) continue;
    selected.push_back(i);
    if (binned)
      bins.add(b);
    else
      kept.push_back(b);
  }
  return selected;
}

}  // namespace tailor::models
