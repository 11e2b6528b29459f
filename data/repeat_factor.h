#pragma once
// Repeat-factor sampling (Gupta et al., LVIS, 2019; Detectron2's RepeatFactorTrainingSampler):
// an image is seen r times per epoch on average, r = max over its classes of
// max(1, sqrt(threshold / f_c)), where f_c is the fraction of the images holding class c.
// Rare classes are repeated without starving the common ones, and an image with no boxes
// keeps r = 1.
#include <cstdint>
#include <map>
#include <vector>

#include "data/example.h"
#include "data/label_map.h"

namespace tailor::data {

struct RepeatFactors {
  std::vector<double> per_image;     // one per example, >= 1
  std::map<int, double> per_class;   // class id -> max(1, sqrt(threshold / f_c))
  std::map<int, int64_t> images_of;  // class id -> images holding it
};

// `labels` resolves boxes read without an id (as prepare_example does); a box whose class is
// unknown is an error naming its file. threshold <= 0 gives every image 1.
RepeatFactors repeat_factors(const Dataset& ds, double threshold, const LabelMap* labels);

// The sample list of one epoch for per-image weights w: round(sum w) entries, image i
// appearing floor or ceil of its expected w_i * L / sum w times (systematic sampling, so the
// epoch length is fixed and resume can find any batch). `offset` in [0, 1) places the
// sampling grid; `visit` is the order the images are laid along it (empty: 0..n-1). The
// list comes out grouped by image; the caller shuffles it.
std::vector<int64_t> systematic_sample(const std::vector<double>& w,
                                       const std::vector<int64_t>& visit, double offset);

// round(sum w), at least 1: the epoch length systematic_sample gives.
int64_t sample_epoch_length(const std::vector<double>& w);

}  // namespace tailor::data
