#include "pipeline/detect/draw_detections.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "data/augment.h"
#include "pipeline/plot/canvas.h"

namespace tailor::pipeline {

void fill_rect(data::Image* img, int x0, int y0, int x1, int y1, const uint8_t c[3]) {
  x0 = std::max(x0, 0), y0 = std::max(y0, 0);
  x1 = std::min(x1, img->width - 1), y1 = std::min(y1, img->height - 1);
  for (int y = y0; y <= y1; ++y) {
    uint8_t* row = img->row(y);
    for (int x = x0; x <= x1; ++x) row[x * 3] = c[0], row[x * 3 + 1] = c[1], row[x * 3 + 2] = c[2];
  }
}

void draw_text(data::Image* img, int x, int y, const std::string& s, const uint8_t c[3],
               int scale) {
  for (size_t i = 0; i < s.size(); ++i) {
    const uint8_t* rows = glyph5x7(s[i]);
    const int gx = x + static_cast<int>(i) * 6 * scale;
    for (int r = 0; r < 7; ++r)
      for (int col = 0; col < 5; ++col)
        if (rows[r] & (0x10 >> col))
          fill_rect(img, gx + col * scale, y + r * scale, gx + col * scale + scale - 1,
                    y + r * scale + scale - 1, c);
  }
}

data::Image thumbnail(const data::Image& full, int max_side) {
  // Bilinear alone aliases when it shrinks a photo several times; averaging k x k blocks
  // first keeps stripes and text legible.
  const int k = std::max(1, std::max(full.width, full.height) / (2 * std::max(max_side, 1)));
  data::Image reduced;
  if (k > 1) {
    reduced.width = full.width / k, reduced.height = full.height / k;
    reduced.pixels.assign(size_t(reduced.width) * reduced.height * 3, 0);
    for (int y = 0; y < reduced.height; ++y)
      for (int x = 0; x < reduced.width; ++x)
        for (int c = 0; c < 3; ++c) {
          int sum = 0;
          for (int dy = 0; dy < k; ++dy)
            for (int dx = 0; dx < k; ++dx) sum += full.row(y * k + dy)[(x * k + dx) * 3 + c];
          reduced.row(y)[x * 3 + c] = static_cast<uint8_t>((sum + k * k / 2) / (k * k));
        }
  }
  const data::Image& image = k > 1 ? reduced : full;
  const double f = double(max_side) / std::max(image.width, image.height);
  data::Image out;
  out.width = std::max(1, int(std::lround(image.width * f)));
  out.height = std::max(1, int(std::lround(image.height * f)));
  std::vector<float> pixels(size_t(out.width) * out.height * 3);
  data::resize_window_bilinear(image, {0, 0, image.width, image.height, false, image.width},
                               out.height, out.width, pixels.data());
  out.pixels.resize(pixels.size());
  for (size_t i = 0; i < pixels.size(); ++i)
    out.pixels[i] = static_cast<uint8_t>(std::clamp(std::lround(pixels[i]), 0L, 255L));
  return out;
}

namespace {

int to_px(float v, int limit) {
  if (!std::isfinite(v)) return 0;
  return std::clamp(static_cast<int>(std::lround(v)), 0, limit - 1);
}

}  // namespace

void class_color(int class_id, uint8_t rgb[3]) {
  // Distinct, saturated colors that read on photos (Tableau 10).
  static const uint8_t palette[10][3] = {
      {31, 119, 180}, {255, 127, 14},  {44, 160, 44},   {214, 39, 40},  {148, 103, 189},
      {140, 86, 75},  {227, 119, 194}, {127, 127, 127}, {188, 189, 34}, {23, 190, 207}};
  const uint8_t* c = palette[static_cast<unsigned>(class_id) % 10];
  rgb[0] = c[0], rgb[1] = c[1], rgb[2] = c[2];
}

void draw_detections(data::Image* image, const std::vector<PixelDetection>& detections) {
  if (image->width < 1 || image->height < 1) return;
  const int side = std::min(image->width, image->height);
  const int thick = std::max(2, side / 200);
  const int scale = std::max(1, side / 250);
  const uint8_t white[3] = {255, 255, 255};
  // Lowest score first, so the best detection's box and label end up on top.
  for (auto it = detections.rbegin(); it != detections.rend(); ++it) {
    const PixelDetection& d = *it;
    uint8_t c[3];
    class_color(d.class_id, c);
    const int x0 = to_px(d.xmin, image->width), x1 = to_px(d.xmax, image->width);
    const int y0 = to_px(d.ymin, image->height), y1 = to_px(d.ymax, image->height);
    fill_rect(image, x0, y0, x1, y0 + thick - 1, c);
    fill_rect(image, x0, y1 - thick + 1, x1, y1, c);
    fill_rect(image, x0, y0, x0 + thick - 1, y1, c);
    fill_rect(image, x1 - thick + 1, y0, x1, y1, c);

    char score[16];
    std::snprintf(score, sizeof score, " %.2f", d.score);
    const std::string label = d.class_name + score;
    const int pad = scale;
    const int bar_h = Canvas::text_height(scale) + 2 * pad;
    const int bar_w = Canvas::text_width(label, scale) + 2 * pad;
    // Above the box when there is room, else just inside its top edge.
    const int by = y0 - bar_h >= 0 ? y0 - bar_h : y0;
    fill_rect(image, x0, by, x0 + bar_w - 1, by + bar_h - 1, c);
    draw_text(image, x0 + pad, by + pad, label, white, scale);
  }
}

}  // namespace tailor::pipeline
