#pragma once
// TF's TargetAssigner as SSD configures it: IoU similarity, argmax matcher, box coder, and
// one-hot class targets with the background class in column 0.
#include <vector>

#include "models/box.h"
#include "models/box_coder.h"
#include "models/model_config.h"

namespace tailor::models {

// One image's groundtruth: normalized corner boxes and their classes 1..num_classes, or, for
// an image-labelled example (no boxes), its class (see models/image_level.h).
// Classes that a source's labels do not tell apart (a street-photo set's "pants" that are
// often jeans): indexed by class id, the other classes of that class's group; empty rows for
// the classes the source tells apart.
using ClassAmbiguity = std::vector<std::vector<int>>;

struct GroundTruth {
  std::vector<BoxCorners> boxes;
  std::vector<int> classes;
  bool image_level = false;
  int image_label = 0;  // 1..num_classes; 0 for an image-level example that trains nothing yet
  // The source's ambiguous classes, or null: at the anchors of a box (or image label) of class
  // c, the others of c's group are taught nothing, neither present nor absent.
  const ClassAmbiguity* ambiguous = nullptr;
  // An image label that rules out every other class in the photo (a single garment laid flat):
  // those classes are taught 0 at the image's hardest anchors (models/ssd_loss.h).
  bool labels_exhaustive = false;
};

// Targets for one image, per anchor.
struct Targets {
  std::vector<int> match;           // matched groundtruth index, kUnmatched or kIgnored
  std::vector<int> cls_target;      // class id 0..K (0 = background: unmatched/ignored)
  std::vector<float> cls_weight;    // 1 matched, 1 unmatched (negative_class_weight), 0 ignored
  std::vector<BoxCode> reg_target;  // encoded matched box; zeros elsewhere
  std::vector<float> reg_weight;    // 1 matched, 0 elsewhere
  int num_matches() const;
};

// Throws UserError when a class is outside 1..num_classes or boxes and classes differ in count.
Targets assign_targets(const std::vector<BoxCorners>& anchors, const GroundTruth& gt,
                       int num_classes, const MatcherConfig& matcher, const BoxCoderConfig& coder);

}  // namespace tailor::models
