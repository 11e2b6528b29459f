#pragma once
// TF faster_rcnn_box_coder decode on the GPU (models/box_coder.h is the CPU version):
//   yc = ty / y_scale * ha + yca,  h = exp(th / height_scale) * ha   (likewise x, w)
// and back to corners [ymin, xmin, ymax, xmax]. Device pointers, Tailor's stream.
#include <cstdint>

namespace tailor::kernels::cuda {

struct BoxScales {
  float y = 10.f, x = 10.f, height = 5.f, width = 5.f;
};

// codes [batches, num_anchors, 4] (ty, tx, th, tw); anchors [num_anchors, 4] corners shared by
// every batch entry; boxes [batches, num_anchors, 4] corners.
void box_decode(int64_t batches, int64_t num_anchors, const float* codes, const float* anchors,
                const BoxScales& scales, float* boxes);

}  // namespace tailor::kernels::cuda
