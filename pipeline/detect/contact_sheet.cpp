#include "pipeline/detect/contact_sheet.h"

#include <algorithm>

#include "pipeline/detect/draw_detections.h"
#include "pipeline/plot/canvas.h"
#include "runtime/error.h"

namespace tailor::pipeline {

data::Image contact_sheet(const std::vector<SheetTile>& tiles, int columns, int cell) {
  TAILOR_CHECK(columns >= 1 && cell >= 16, UsageError, "contact sheet: ", columns, " columns of ",
               cell, " px");
  const int gap = 6, caption_h = Canvas::text_height() + 6;
  const int rows = std::max<int>(1, (static_cast<int>(tiles.size()) + columns - 1) / columns);
  data::Image sheet;
  sheet.width = gap + columns * (cell + gap);
  sheet.height = gap + rows * (cell + caption_h + gap);
  sheet.pixels.assign(size_t(sheet.width) * sheet.height * 3, 245);
  const uint8_t ink[3] = {30, 30, 30}, red[3] = {214, 39, 40};
  for (size_t i = 0; i < tiles.size(); ++i) {
    const int x0 = gap + int(i % columns) * (cell + gap);
    const int y0 = gap + int(i / columns) * (cell + caption_h + gap);
    data::Image thumb = thumbnail(tiles[i].picture, cell);
    // Boxes go on the thumbnail, so that their labels stay readable at its size.
    const float fx = float(thumb.width) / tiles[i].picture.width;
    const float fy = float(thumb.height) / tiles[i].picture.height;
    std::vector<PixelDetection> boxes = tiles[i].boxes;
    for (PixelDetection& d : boxes) d.xmin *= fx, d.xmax *= fx, d.ymin *= fy, d.ymax *= fy;
    draw_detections(&thumb, boxes);
    const int ox = x0 + (cell - thumb.width) / 2, oy = y0 + (cell - thumb.height) / 2;
    for (int y = 0; y < thumb.height; ++y)
      std::copy_n(thumb.row(y), size_t(thumb.width) * 3, sheet.row(oy + y) + size_t(ox) * 3);
    if (tiles[i].flagged) {
      fill_rect(&sheet, x0 - 3, y0 - 3, x0 + cell + 2, y0 - 1, red);
      fill_rect(&sheet, x0 - 3, y0 + cell, x0 + cell + 2, y0 + cell + 2, red);
      fill_rect(&sheet, x0 - 3, y0 - 3, x0 - 1, y0 + cell + 2, red);
      fill_rect(&sheet, x0 + cell, y0 - 3, x0 + cell + 2, y0 + cell + 2, red);
    }
    const size_t fits = static_cast<size_t>(cell / 6);
    draw_text(&sheet, x0, y0 + cell + 4, tiles[i].caption.substr(0, fits),
              tiles[i].flagged ? red : ink);
  }
  return sheet;
}

}  // namespace tailor::pipeline
