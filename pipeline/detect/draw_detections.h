#pragma once
// Annotates an image with its detections: a colored rectangle per box and a label bar
// ("dog 0.94") in the 5x7 bitmap font of pipeline/plot. Line width and text size grow with the
// image so labels stay readable on large photos.
#include <vector>

#include "data/image.h"
#include "pipeline/detect/detector.h"

namespace tailor::pipeline {

// The color a class is drawn in (a fixed palette, cycled by id).
void class_color(int class_id, uint8_t rgb[3]);

// Draws in place; boxes partly outside the image are clipped.
void draw_detections(data::Image* image, const std::vector<PixelDetection>& detections);

}  // namespace tailor::pipeline
