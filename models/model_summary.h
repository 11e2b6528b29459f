#pragma once
// Text reports of a model, computed from its geometry alone (no tensors are allocated):
// the layer table of `tailor model summary`, its parameter list and its anchors.
#include <ostream>

#include "models/model_config.h"

namespace tailor::models {

// One row per convolution: TF scope, kind, output shape (batch 1), parameters, MACs and FLOPs
// (FLOPs = 2 x MACs: one multiply and one add), then totals.
void print_summary(const SsdConfig& config, std::ostream& out);
// NAME<TAB>DTYPE<TAB>[d0,d1,...], one line per TF variable, in definition order.
void print_parameters(const SsdConfig& config, std::ostream& out);
// CSV with header ycenter,xcenter,height,width; normalized, one anchor per row in TF order.
void print_anchors_csv(const SsdConfig& config, std::ostream& out);

}  // namespace tailor::models
