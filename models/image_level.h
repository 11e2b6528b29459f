#pragma once
// Learning detection from image-level labels ("this photo shows a Skirt, somewhere"): which
// anchors of an image the label trains. One rule serves the training loss (models/ssd_loss)
// and `tailor data autobox`, which writes the same boxes out for a person to review.
//
// A label says that its class is present; it says nothing about the other classes (a shirt
// on a model comes with trousers and shoes) and nothing about where the background is. So the
// loss it gives lives at the chosen anchors alone: the labelled class as their target (and,
// with box_negatives, "not the other classes" there, since the chosen box is taken to be the
// labelled garment), and no background target, no negative and no localization target
// anywhere else. The methods:
//   pseudo_box  a box from the model being trained: its most confident box of the labelled
//               class, kept when the score reaches min_score, refreshed at every step (the
//               current model is the teacher). The anchors matching that box (IoU at least
//               the matcher's matched_threshold, and the best one) are the positives.
//   max_size    Detic's rule (Zhou et al. 2022): the largest predicted box among those whose
//               foreground score (best non-background class) reaches min_score; its matching
//               anchors are the positives. With class_aware, the largest box whose
//               labelled-class score reaches min_score, and the foreground rule only when no
//               box does.
//   mil         multiple-instance: the one anchor scoring the labelled class highest.
#include <optional>
#include <string>
#include <vector>

#include "models/box.h"
#include "models/model_config.h"

namespace tailor::models {

struct ImageLevelMethodInfo {
  ImageLevelMethod method;
  const char* name;  // as configs spell it
};
// The vocabulary, in one table.
const std::vector<ImageLevelMethodInfo>& image_level_methods();
const char* image_level_method_name(ImageLevelMethod m);
bool find_image_level_method(const std::string& name, ImageLevelMethod* out);

// One image's predictions, detached: decoded boxes [A] and class probabilities [A, C+1]
// (sigmoid of the logits; column 0 is background).
struct ImagePredictions {
  const std::vector<BoxCorners>* boxes = nullptr;
  const float* probs = nullptr;
  int num_columns = 0;  // C + 1
};

struct ImageLevelBox {
  BoxCorners box;
  float score = 0;  // the rule's score for it: the labelled class's (pseudo_box, mil, a
                    // class-aware max_size pick) or the foreground's (max_size)
  int anchor = -1;  // the prediction it came from
};

// The box the rule picks for `label` (1..C), or none when no prediction qualifies. Boxes are
// clipped to the image.
std::optional<ImageLevelBox> image_level_box(const ImagePredictions& pred, int label,
                                             const ImageLevelLossConfig& config);

// The anchors the label trains, in ascending order: the chosen box's matching anchors
// (pseudo_box, max_size) or its own anchor (mil); empty when the rule picked no box.
std::vector<int> image_level_positives(const std::vector<BoxCorners>& anchors,
                                       const ImagePredictions& pred, int label,
                                       const ImageLevelLossConfig& config,
                                       const MatcherConfig& matcher);

}  // namespace tailor::models
