#pragma once
// A contact sheet: many small annotated pictures on one page, each with a caption, for a
// person to review at a glance (`tailor data autobox` writes them).
#include <string>
#include <vector>

#include "data/image.h"
#include "pipeline/detect/detector.h"

namespace tailor::pipeline {

struct SheetTile {
  data::Image picture;                // scaled into its cell, aspect kept
  std::vector<PixelDetection> boxes;  // in the picture's pixels; drawn after scaling
  std::string caption;                // one line under the picture, cut to the cell's width
  bool flagged = false;               // drawn with a red frame (e.g. no box found)
};

// `columns` cells per row, each `cell` pixels square plus a caption line.
data::Image contact_sheet(const std::vector<SheetTile>& tiles, int columns, int cell);

}  // namespace tailor::pipeline
