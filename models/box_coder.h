#pragma once
// TF's faster_rcnn_box_coder: codes [ty, tx, th, tw] relative to an anchor,
//   ty = y_scale * (yc - yc_a) / h_a, th = height_scale * log(h / h_a), ...
// with TF's EPSILON (1e-8) added to all heights and widths when encoding.
#include <vector>

#include "models/box.h"
#include "models/model_config.h"

namespace tailor::models {

struct BoxCode {
  float ty = 0, tx = 0, th = 0, tw = 0;
};

BoxCode encode_box(const BoxCorners& box, const BoxCorners& anchor, const BoxCoderConfig& scales);
BoxCorners decode_box(const BoxCode& code, const BoxCorners& anchor, const BoxCoderConfig& scales);

// Decodes codes [num_anchors * 4] (one image, TF order ty, tx, th, tw) against the anchors.
std::vector<BoxCorners> decode_boxes(const float* codes, const std::vector<BoxCorners>& anchors,
                                     const BoxCoderConfig& scales);

}  // namespace tailor::models
