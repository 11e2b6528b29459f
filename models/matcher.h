#pragma once
// TF's ArgMaxMatcher over a similarity matrix [num_groundtruth][num_anchors] (IoU).
// Result per anchor (column): the matched groundtruth row >= 0, kUnmatched or kIgnored.
#include <vector>

#include "models/model_config.h"

namespace tailor::models {

constexpr int kUnmatched = -1;
constexpr int kIgnored = -2;

// similarity is row-major [rows][cols]. With no rows every column is unmatched.
// Ties go to the lowest index, like tf.argmax. force_match_for_each_row gives each row its best
// column; a column claimed by several rows goes to the lowest row (TF's one_hot/argmax).
std::vector<int> argmax_match(const std::vector<float>& similarity, int rows, int cols,
                              const MatcherConfig& config);

}  // namespace tailor::models
