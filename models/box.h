#pragma once
// Normalized boxes in TF's conventions. Corners [ymin, xmin, ymax, xmax] are what TF's BoxList
// holds; the center form [ycenter, xcenter, height, width] is what the box coder works in.
#include <vector>

namespace tailor::models {

struct BoxCorners {
  float ymin = 0, xmin = 0, ymax = 0, xmax = 0;
};

struct BoxCenter {
  float ycenter = 0, xcenter = 0, height = 0, width = 0;
};

// TF BoxList.get_center_coordinates_and_sizes: h = ymax - ymin, ycenter = ymin + h / 2.
BoxCenter to_center(const BoxCorners& b);
// TF _center_size_bbox_to_corners_bbox: ymin = ycenter - h / 2.
BoxCorners to_corners(const BoxCenter& b);

float area(const BoxCorners& b);
// TF box_list_ops.iou: 0 where the intersection is 0 (also for degenerate boxes).
float iou(const BoxCorners& a, const BoxCorners& b);
// IoU as TF's NonMaxSuppression kernel computes it: corners may be given in either order, and
// a box with non-positive area overlaps nothing.
float nms_iou(const BoxCorners& a, const BoxCorners& b);

// Pairwise IoU [rows.size()][cols.size()], row-major (TF IouSimilarity.compare(rows, cols)).
std::vector<float> iou_matrix(const std::vector<BoxCorners>& rows,
                              const std::vector<BoxCorners>& cols);

// TF box_list_ops.clip_to_window on one box: coordinates clamped into the window.
BoxCorners clip_to_window(const BoxCorners& b, const BoxCorners& window);

}  // namespace tailor::models
