// PNG decoding through libpng's classic API, so 16-bit samples are reduced by dropping the
// low byte and alpha is dropped (not composited), as TF's decode_png(channels=3) does.
#include <png.h>

#include <csetjmp>
#include <cstring>
#include <memory>
#include <string>

#include "data/image.h"
#include "runtime/error.h"

namespace tailor::data {

namespace {

struct PngSource {
  const std::string* bytes;
  size_t pos;
  std::string message;
};

void on_png_error(png_structp png, png_const_charp msg) {
  auto* src = static_cast<PngSource*>(png_get_error_ptr(png));
  src->message = msg;
  png_longjmp(png, 1);
}
void on_png_warning(png_structp, png_const_charp) {}

void read_bytes(png_structp png, png_bytep out, png_size_t n) {
  auto* src = static_cast<PngSource*>(png_get_io_ptr(png));
  if (n > src->bytes->size() - src->pos) png_error(png, "truncated file (read past the end)");
  std::memcpy(out, src->bytes->data() + src->pos, n);
  src->pos += n;
}

}  // namespace

Image decode_png(const std::string& bytes, const std::string& context, const DecodeOptions& opts) {
  auto src = std::make_unique<PngSource>(PngSource{&bytes, 0, ""});
  auto img = std::make_unique<Image>();
  png_structp png =
      png_create_read_struct(PNG_LIBPNG_VER_STRING, src.get(), on_png_error, on_png_warning);
  if (!png) throw UserError(context + ": out of memory creating the PNG reader");
  png_infop info = png_create_info_struct(png);
  if (!info) {
    png_destroy_read_struct(&png, nullptr, nullptr);
    throw UserError(context + ": out of memory creating the PNG reader");
  }
  auto rows = std::make_unique<std::vector<png_bytep>>();
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &info, nullptr);
    throw UserError(context + ": invalid PNG: " + src->message);
  }
  png_set_read_fn(png, src.get(), read_bytes);
  png_read_info(png, info);
  png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
  if (int64_t(w) * h > opts.max_pixels) {
    src->message = "image is " + std::to_string(w) + "x" + std::to_string(h) +
                   ", over the limit of " + std::to_string(opts.max_pixels) + " pixels";
    png_error(png, src->message.c_str());
  }
  int color = png_get_color_type(png, info);
  int depth = png_get_bit_depth(png, info);
  if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (color == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
  if (depth == 16) png_set_strip_16(png);
  if (color & PNG_COLOR_MASK_ALPHA) png_set_strip_alpha(png);
  // tRNS would become an alpha channel only if expanded; leave it out: alpha is dropped.
  if (color == PNG_COLOR_TYPE_GRAY || color == PNG_COLOR_TYPE_GRAY_ALPHA) png_set_gray_to_rgb(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  if (png_get_rowbytes(png, info) != size_t(w) * 3) {
    src->message = "unexpected row layout after conversion";
    png_error(png, src->message.c_str());
  }
  img->width = static_cast<int>(w);
  img->height = static_cast<int>(h);
  img->pixels.resize(size_t(w) * h * 3);
  rows->resize(h);
  for (png_uint_32 y = 0; y < h; ++y) (*rows)[y] = img->row(static_cast<int>(y));
  png_read_image(png, rows->data());
  png_read_end(png, nullptr);
  png_destroy_read_struct(&png, &info, nullptr);
  return std::move(*img);
}

}  // namespace tailor::data
