#include "pipeline/plot/canvas.h"

#include <png.h>

#include <algorithm>
#include <cmath>

#include "runtime/error.h"
#include "runtime/io/atomic_file.h"

namespace tailor::pipeline {

Canvas::Canvas(int width, int height, Rgb background) : w_(width), h_(height) {
  TAILOR_CHECK(width >= 1 && height >= 1 && width <= 16384 && height <= 16384, UserError,
               "plot size ", width, "x", height, " must be within 1..16384 per side");
  px_.assign(size_t(w_) * h_, background);
}

void Canvas::fill_rect(int x0, int y0, int x1, int y1, Rgb c) {
  for (int y = std::max(0, y0); y <= std::min(h_ - 1, y1); ++y)
    for (int x = std::max(0, x0); x <= std::min(w_ - 1, x1); ++x) px_[size_t(y) * w_ + x] = c;
}

void Canvas::rect(int x0, int y0, int x1, int y1, Rgb c) {
  fill_rect(x0, y0, x1, y0, c);
  fill_rect(x0, y1, x1, y1, c);
  fill_rect(x0, y0, x0, y1, c);
  fill_rect(x1, y0, x1, y1, c);
}

void Canvas::line(double fx0, double fy0, double fx1, double fy1, Rgb c, int thickness) {
  if (!std::isfinite(fx0) || !std::isfinite(fy0) || !std::isfinite(fx1) || !std::isfinite(fy1))
    return;
  // Clamp far-off coordinates so a wild value cannot make the loop run for ages.
  auto clampc = [](double v) { return std::max(-1e5, std::min(1e5, v)); };
  int x0 = int(std::lround(clampc(fx0))), y0 = int(std::lround(clampc(fy0)));
  const int x1 = int(std::lround(clampc(fx1))), y1 = int(std::lround(clampc(fy1)));
  const int dx = std::abs(x1 - x0), sx = x0 < x1 ? 1 : -1;
  const int dy = -std::abs(y1 - y0), sy = y0 < y1 ? 1 : -1;
  const int lo = -(thickness - 1) / 2, hi = thickness / 2;
  int err = dx + dy;
  while (true) {
    for (int oy = lo; oy <= hi; ++oy)
      for (int ox = lo; ox <= hi; ++ox) set(x0 + ox, y0 + oy, c);
    if (x0 == x1 && y0 == y1) break;
    const int e2 = 2 * err;
    if (e2 >= dy) err += dy, x0 += sx;
    if (e2 <= dx) err += dx, y0 += sy;
  }
}

void Canvas::text(int x, int y, const std::string& s, Rgb c, int scale) {
  for (size_t i = 0; i < s.size(); ++i) {
    const uint8_t* rows = glyph5x7(s[i]);
    const int gx = x + int(i) * 6 * scale;
    for (int r = 0; r < 7; ++r)
      for (int col = 0; col < 5; ++col)
        if (rows[r] & (0x10 >> col))
          fill_rect(gx + col * scale, y + r * scale, gx + col * scale + scale - 1,
                    y + r * scale + scale - 1, c);
  }
}

namespace {

void png_append(png_structp png, png_bytep data, png_size_t n) {
  static_cast<std::string*>(png_get_io_ptr(png))->append(reinterpret_cast<const char*>(data), n);
}

void png_no_flush(png_structp) {}

}  // namespace

std::string Canvas::encode_png() const {
  std::string out;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  if (!png) throw UserError("libpng: cannot create a PNG writer");
  png_infop info = png_create_info_struct(png);
  if (!info || setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, info ? &info : nullptr);
    throw UserError("libpng: PNG encoding failed");
  }
  png_set_write_fn(png, &out, png_append, png_no_flush);
  png_set_IHDR(png, info, w_, h_, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  static_assert(sizeof(Rgb) == 3, "Rgb rows are written as packed RGB");
  for (int y = 0; y < h_; ++y)
    png_write_row(png, reinterpret_cast<png_const_bytep>(&px_[size_t(y) * w_]));
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return out;
}

void Canvas::save_png(const std::string& path) const {
  io::write_file_atomic(path, encode_png());
}

}  // namespace tailor::pipeline
