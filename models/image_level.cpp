#include "models/image_level.h"

#include <algorithm>

#include "models/matcher.h"
#include "runtime/error.h"

namespace tailor::models {

namespace {

const std::vector<ImageLevelMethodInfo> kMethods = {
    {ImageLevelMethod::kPseudoBox, "pseudo_box"},
    {ImageLevelMethod::kMaxSize, "max_size"},
    {ImageLevelMethod::kMil, "mil"},
};

const BoxCorners kImage{0.f, 0.f, 1.f, 1.f};

// The anchor scoring `column` highest (the first of equal scores).
int best_anchor(const ImagePredictions& pred, int column) {
  const int n = static_cast<int>(pred.boxes->size());
  int best = 0;
  for (int a = 1; a < n; ++a)
    if (pred.probs[size_t(a) * pred.num_columns + column] >
        pred.probs[size_t(best) * pred.num_columns + column])
      best = a;
  return best;
}

// The largest box (the first of equal areas) whose score reaches min_score: the labelled
// class's when `label` > 0, else the foreground's (the best non-background class).
std::optional<ImageLevelBox> largest_box(const ImagePredictions& pred, float min_score, int label) {
  std::optional<ImageLevelBox> out;
  float best_area = -1.f;
  const int n = static_cast<int>(pred.boxes->size());
  for (int a = 0; a < n; ++a) {
    const float* p = pred.probs + size_t(a) * pred.num_columns;
    float score = 0.f;
    if (label > 0)
      score = p[label];
    else
      for (int c = 1; c < pred.num_columns; ++c) score = std::max(score, p[c]);
    if (score < min_score) continue;
    const BoxCorners b = clip_to_window((*pred.boxes)[a], kImage);
    const float s = area(b);
    if (s > best_area) best_area = s, out = ImageLevelBox{b, score, a};
  }
  return out;
}

}  // namespace

const std::vector<ImageLevelMethodInfo>& image_level_methods() {
  return kMethods;
}

const char* image_level_method_name(ImageLevelMethod m) {
  for (const ImageLevelMethodInfo& i : kMethods)
    if (i.method == m) return i.name;
  return "?";
}

bool find_image_level_method(const std::string& name, ImageLevelMethod* out) {
  for (const ImageLevelMethodInfo& i : kMethods)
    if (name == i.name) return *out = i.method, true;
  return false;
}

std::optional<ImageLevelBox> image_level_box(const ImagePredictions& pred, int label,
                                             const ImageLevelLossConfig& config) {
  TAILOR_CHECK(pred.boxes && pred.probs && label >= 1 && label < pred.num_columns, ShapeError,
               "image_level_box: label ", label, " outside 1..", pred.num_columns - 1);
  const int n = static_cast<int>(pred.boxes->size());
  if (n == 0) return std::nullopt;
  ImageLevelBox out;
  if (config.method == ImageLevelMethod::kMaxSize) {
    if (config.class_aware) {
      if (auto box = largest_box(pred, config.min_score, label)) return box;
    }
    return largest_box(pred, config.min_score, 0);
  }
  const int a = best_anchor(pred, label);
  out = {clip_to_window((*pred.boxes)[a], kImage), pred.probs[size_t(a) * pred.num_columns + label],
         a};
  if (config.method == ImageLevelMethod::kPseudoBox && out.score < config.min_score)
    return std::nullopt;
  return out;
}

std::vector<int> image_level_positives(const std::vector<BoxCorners>& anchors,
                                       const ImagePredictions& pred, int label,
                                       const ImageLevelLossConfig& config,
                                       const MatcherConfig& matcher) {
  const std::optional<ImageLevelBox> box = image_level_box(pred, label, config);
  if (!box) return {};
  if (config.method == ImageLevelMethod::kMil) return {box->anchor};
  // The box is matched like a groundtruth box: no unmatched anchor becomes a negative here,
  // since the caller gives every other anchor of the image no loss at all.
  const int cols = static_cast<int>(anchors.size());
  const std::vector<int> match = argmax_match(iou_matrix({box->box}, anchors), 1, cols, matcher);
  std::vector<int> positives;
  for (int a = 0; a < cols; ++a)
    if (match[a] >= 0) positives.push_back(a);
  return positives;
}

}  // namespace tailor::models
