#include "models/target_assigner.h"

#include "models/matcher.h"
#include "runtime/error.h"

namespace tailor::models {

int Targets::num_matches() const {
  int n = 0;
  for (int m : match)
    if (m >= 0) ++n;
  return n;
}

Targets assign_targets(const std::vector<BoxCorners>& anchors, const GroundTruth& gt,
                       int num_classes, const MatcherConfig& matcher, const BoxCoderConfig& coder) {
  TAILOR_CHECK(gt.boxes.size() == gt.classes.size(), UserError, "groundtruth has ", gt.boxes.size(),
               " boxes but ", gt.classes.size(), " classes");
  for (size_t i = 0; i < gt.classes.size(); ++i)
    TAILOR_CHECK(gt.classes[i] >= 1 && gt.classes[i] <= num_classes, UserError, "groundtruth box ",
                 i, " has class ", gt.classes[i], ", outside 1..", num_classes);
  const int rows = static_cast<int>(gt.boxes.size());
  const int cols = static_cast<int>(anchors.size());
  Targets t;
  t.match = argmax_match(iou_matrix(gt.boxes, anchors), rows, cols, matcher);
  t.cls_target.assign(cols, 0);
  t.cls_weight.assign(cols, 1.f);
  t.reg_target.assign(cols, BoxCode{});
  t.reg_weight.assign(cols, 0.f);
  for (int a = 0; a < cols; ++a) {
    const int m = t.match[a];
    if (m >= 0) {
      t.cls_target[a] = gt.classes[m];
      t.reg_target[a] = encode_box(gt.boxes[m], anchors[a], coder);
      t.reg_weight[a] = 1.f;
    } else if (m == kIgnored) {
      t.cls_weight[a] = 0.f;
    }
  }
  return t;
}

}  // namespace tailor::models
