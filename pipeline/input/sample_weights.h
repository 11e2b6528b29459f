#pragma once
// Training's repeat-factor sampling weights, with the frequencies counted per source: the
// sources are separate domains (street photos, product photos), so a class that is common
// in one but rare in the other is still rare in the one where it is rare.
#include <string>
#include <vector>

#include "pipeline/input/input_data.h"

namespace tailor::pipeline {

struct SampleWeights {
  std::vector<double> per_image;  // in InputData::all() order; empty when sampling is off
  // "train: repeat-factor sampling ..." and one line per source listing its repeated
  // classes, for the training log.
  std::string report;
};

// Each image's weight is its repeat factor (1 when threshold is 0) times its source's
// weight. Sampling is off (empty weights, empty report) when the threshold is 0 and every
// source weighs 1.
SampleWeights sample_weights(const InputData& input, double threshold);

}  // namespace tailor::pipeline
