#pragma once
// Greedy non-maximum suppression on the GPU for many independent lists at once (one per class,
// or per image and class), each already sorted by descending score; the semantics of
// models/nms.h (tf.image.non_max_suppression): a box is dropped when its IoU with a selected
// box exceeds iou_threshold (corners in either order; a box of non-positive area overlaps
// nothing); only scores > score_threshold are candidates. Device pointers, Tailor's stream.
#include <cstdint>

namespace tailor::kernels::cuda {

// boxes [lists, n, 4] corners, scores [lists, n] (sorted descending within each list).
// selected [lists, max_output]: indices into the list in selection order, -1 after the last;
// num_selected [lists].
void nms_sorted(int lists, int n, const float* boxes, const float* scores, float iou_threshold,
                float score_threshold, int max_output, int* selected, int* num_selected);

}  // namespace tailor::kernels::cuda
