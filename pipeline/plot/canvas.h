#pragma once
// A small RGB raster for `tailor plot`: lines, rectangles and text in a built-in 5x7 bitmap
// font, saved as PNG with libpng. Enough for loss curves without a plotting library.
#include <cstdint>
#include <string>
#include <vector>

namespace tailor::pipeline {

struct Rgb {
  uint8_t r = 0, g = 0, b = 0;
  bool operator==(const Rgb& o) const { return r == o.r && g == o.g && b == o.b; }
};

class Canvas {
 public:
  Canvas(int width, int height, Rgb background);
  int width() const { return w_; }
  int height() const { return h_; }
  Rgb at(int x, int y) const { return px_[size_t(y) * w_ + x]; }
  void set(int x, int y, Rgb c) {
    if (x >= 0 && y >= 0 && x < w_ && y < h_) px_[size_t(y) * w_ + x] = c;
  }
  void fill_rect(int x0, int y0, int x1, int y1, Rgb c);  // inclusive corners
  void rect(int x0, int y0, int x1, int y1, Rgb c);
  // A line `thickness` pixels wide (Bresenham, then a square brush).
  void line(double x0, double y0, double x1, double y1, Rgb c, int thickness = 1);
  // Text in the 5x7 font scaled by `scale`, top-left at (x, y); lower case prints as upper.
  void text(int x, int y, const std::string& s, Rgb c, int scale = 1);
  static int text_width(const std::string& s, int scale = 1) { return int(s.size()) * 6 * scale; }
  static int text_height(int scale = 1) { return 7 * scale; }

  std::string encode_png() const;                // throws UserError if libpng fails
  void save_png(const std::string& path) const;  // atomic

 private:
  int w_, h_;
  std::vector<Rgb> px_;
};

// The 7 rows (5 low bits each, bit 4 = leftmost) of a character's glyph.
const uint8_t* glyph5x7(char c);

}  // namespace tailor::pipeline
