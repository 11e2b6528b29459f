#pragma once
// Annotates an image with its detections: a colored rectangle per box and a label bar
// ("dog 0.94") in the 5x7 bitmap font of pipeline/plot. Line width and text size grow with the
// image so labels stay readable on large photos.
#include <string>
#include <vector>

#include "data/image.h"
#include "pipeline/detect/detector.h"

namespace tailor::pipeline {

// The color a class is drawn in (a fixed palette, cycled by id).
void class_color(int class_id, uint8_t rgb[3]);

// Primitives the review pictures (autobox's contact sheet, tag's thumbnails) share, clipped
// to the image: a filled rectangle (inclusive corners) and text in the 5x7 font.
void fill_rect(data::Image* image, int x0, int y0, int x1, int y1, const uint8_t rgb[3]);
void draw_text(data::Image* image, int x, int y, const std::string& s, const uint8_t rgb[3],
               int scale = 1);

// The image scaled (bilinear, aspect kept) so that its longer side is `max_side`.
data::Image thumbnail(const data::Image& image, int max_side);

// Draws in place; boxes partly outside the image are clipped.
void draw_detections(data::Image* image, const std::vector<PixelDetection>& detections);

}  // namespace tailor::pipeline
