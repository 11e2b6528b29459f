#pragma once
// Raw SSD predictions for a batch, anchors concatenated over the feature maps in anchor order.
#include "engine/tensor.h"

namespace tailor::models {

struct SsdOutput {
  Tensor class_logits;   // [N, num_anchors, num_classes + 1]; column 0 is background
  Tensor box_encodings;  // [N, num_anchors, 4]: faster_rcnn codes ty, tx, th, tw
};

}  // namespace tailor::models
