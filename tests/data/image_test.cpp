// JPEG/PNG decoding: real images from the shared data and generated variants (grayscale,
// progressive, CMYK, palette, 16-bit, alpha), EXIF orientation, limits and corrupt input.
#include "data/image.h"

#include <gtest/gtest.h>
#include <jpeglib.h>
#include <png.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "runtime/error.h"
#include "runtime/io/atomic_file.h"

using namespace tailor;
using namespace tailor::data;

namespace {

const std::string kData = std::string(TAILOR_SHARED_DIR) + "/data";

// Encodes a w x h image with `components` channels in `space`; pixel (x, y) channel c is
// value(x, y, c).
template <typename Fn>
std::string encode_jpeg(int w, int h, int components, J_COLOR_SPACE space, bool progressive,
                        Fn value, int quality = 95) {
  jpeg_compress_struct c;
  jpeg_error_mgr err;
  c.err = jpeg_std_error(&err);
  jpeg_create_compress(&c);
  unsigned char* buf = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&c, &buf, &size);
  c.image_width = w;
  c.image_height = h;
  c.input_components = components;
  c.in_color_space = space;
  jpeg_set_defaults(&c);
  jpeg_set_quality(&c, quality, TRUE);
  if (progressive) jpeg_simple_progression(&c);
  jpeg_start_compress(&c, TRUE);
  std::vector<uint8_t> row(size_t(w) * components);
  while (c.next_scanline < c.image_height) {
    int y = static_cast<int>(c.next_scanline);
    for (int x = 0; x < w; ++x)
      for (int k = 0; k < components; ++k) row[x * components + k] = value(x, y, k);
    JSAMPROW r = row.data();
    jpeg_write_scanlines(&c, &r, 1);
  }
  jpeg_finish_compress(&c);
  jpeg_destroy_compress(&c);
  std::string out(reinterpret_cast<char*>(buf), size);
  free(buf);
  return out;
}

void png_write_to_string(png_structp png, png_bytep data, png_size_t n) {
  static_cast<std::string*>(png_get_io_ptr(png))->append(reinterpret_cast<char*>(data), n);
}

// Rows given as raw bytes in the PNG's own layout.
std::string encode_png(int w, int h, int color_type, int depth,
                       const std::vector<std::vector<uint8_t>>& rows,
                       const std::vector<png_color>& palette = {}) {
  std::string out;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  png_set_write_fn(png, &out, png_write_to_string, nullptr);
  png_set_IHDR(png, info, w, h, depth, color_type, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  if (!palette.empty()) png_set_PLTE(png, info, palette.data(), static_cast<int>(palette.size()));
  png_write_info(png, info);
  for (const auto& r : rows) png_write_row(png, r.data());
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return out;
}

}  // namespace

TEST(Jpeg, DecodesRealImagesAtAnnotatedSize) {
  Image a = decode_image(io::read_file(kData + "/ccp/images/ccp_0001.jpg"), "ccp_0001.jpg");
  EXPECT_EQ(a.width, 550);
  EXPECT_EQ(a.height, 832);
  EXPECT_EQ(a.pixels.size(), size_t(550) * 832 * 3);
  Image b =
      decode_image(io::read_file(kData + "/dataturks_val/images/006f49cf.jpg"), "006f49cf.jpg");
  EXPECT_EQ(b.width, 312);
  EXPECT_EQ(b.height, 153);
  int w = 0, h = 0;
  probe_image_size(io::read_file(kData + "/ccp/images/ccp_0001.jpg"), "x", &w, &h);
  EXPECT_EQ(w, 550);
  EXPECT_EQ(h, 832);
}

TEST(Jpeg, GrayscaleProgressiveAndCmyk) {
  auto gray = encode_jpeg(40, 30, 1, JCS_GRAYSCALE, false,
                          [](int x, int y, int) { return uint8_t(x * 5); });
  Image g = decode_jpeg(gray, "gray");
  ASSERT_EQ(g.width, 40);
  for (int x = 0; x < 40; x += 7) {
    const uint8_t* p = g.row(15) + x * 3;
    EXPECT_EQ(p[0], p[1]);
    EXPECT_EQ(p[1], p[2]);
    EXPECT_NEAR(p[0], x * 5, 3);
  }
  auto prog = encode_jpeg(64, 48, 3, JCS_RGB, true,
                          [](int, int, int c) { return uint8_t(c == 0 ? 200 : 40); });
  Image p = decode_jpeg(prog, "progressive");
  EXPECT_EQ(p.height, 48);
  EXPECT_NEAR(p.row(20)[30 * 3 + 0], 200, 4);
  EXPECT_NEAR(p.row(20)[30 * 3 + 2], 40, 4);
  // libjpeg writes CMYK with an Adobe marker, i.e. inverted ink (255 = none): R = K*C/255.
  auto cmyk = encode_jpeg(32, 32, 4, JCS_CMYK, false, [](int, int, int c) {
    const uint8_t v[4] = {255, 0, 0, 255};  // no cyan, full magenta and yellow, no black: red
    return v[c];
  });
  Image k = decode_jpeg(cmyk, "cmyk");
  EXPECT_NEAR(k.row(16)[16 * 3 + 0], 255, 4);
  EXPECT_NEAR(k.row(16)[16 * 3 + 1], 0, 4);
  EXPECT_NEAR(k.row(16)[16 * 3 + 2], 0, 4);
}

TEST(Jpeg, TruncatedCorruptAndOversizedAreErrors) {
  std::string real = io::read_file(kData + "/dataturks_val/images/006f49cf.jpg");
  try {
    decode_image(real.substr(0, real.size() / 2), "cut.jpg");
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("cut.jpg: invalid JPEG"), std::string::npos) << e.what();
  }
  EXPECT_THROW(decode_image(real.substr(0, 20), "tiny.jpg"), UserError);
  EXPECT_THROW(decode_image("GIF89a....", "x.gif"), UserError);
  DecodeOptions small;
  small.max_pixels = 1000;
  try {
    decode_image(real, "big.jpg", small);
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("over the limit"), std::string::npos) << e.what();
  }
}

TEST(Jpeg, ExifOrientationRotates) {
  // 4x2 image, left half black, right half white; orientation 6 (rotate 90 CW to display).
  std::string jpg = encode_jpeg(16, 8, 3, JCS_RGB, false,
                                [](int x, int, int) { return uint8_t(x < 8 ? 0 : 255); });
  // Insert an APP1 Exif segment after SOI: big-endian TIFF, one IFD entry 0x0112 = 6.
  const uint8_t tiff[] = {'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0,
                          3,   0,   0, 0,  1, 0, 6, 0, 0, 0, 0,    0,    0};
  std::string app1 =
      std::string("Exif\0\0", 6) + std::string(reinterpret_cast<const char*>(tiff), sizeof(tiff));
  size_t len = app1.size() + 2;
  std::string seg = std::string("\xFF\xE1", 2) + char(len >> 8) + char(len & 0xff) + app1;
  std::string with_exif = jpg.substr(0, 2) + seg + jpg.substr(2);
  EXPECT_EQ(jpeg_exif_orientation(with_exif), 6);
  Image img = decode_jpeg(with_exif, "exif");
  ASSERT_EQ(img.width, 8);
  ASSERT_EQ(img.height, 16);
  EXPECT_LT(img.row(2)[4 * 3], 30);    // top came from the black left half
  EXPECT_GT(img.row(13)[4 * 3], 225);  // bottom from the white right half
  DecodeOptions raw;
  raw.exif_orientation = false;
  EXPECT_EQ(decode_jpeg(with_exif, "exif", raw).width, 16);
  int w, h;
  probe_image_size(with_exif, "exif", &w, &h);
  EXPECT_EQ(w, 8);
  EXPECT_EQ(h, 16);
}

TEST(Png, PaletteGray16BitAndAlpha) {
  std::vector<png_color> pal = {{255, 0, 0}, {0, 0, 255}};
  Image p = decode_png(encode_png(2, 1, PNG_COLOR_TYPE_PALETTE, 8, {{0, 1}}, pal), "pal");
  EXPECT_EQ(std::vector<uint8_t>(p.pixels.begin(), p.pixels.end()),
            (std::vector<uint8_t>{255, 0, 0, 0, 0, 255}));
  Image g = decode_png(encode_png(2, 1, PNG_COLOR_TYPE_GRAY, 8, {{7, 200}}), "gray");
  EXPECT_EQ(g.pixels, (std::vector<uint8_t>{7, 7, 7, 200, 200, 200}));
  Image s = decode_png(
      encode_png(1, 1, PNG_COLOR_TYPE_RGB, 16, {{0x12, 0x34, 0xAB, 0xCD, 0xFF, 0x00}}), "16bit");
  EXPECT_EQ(s.pixels, (std::vector<uint8_t>{0x12, 0xAB, 0xFF}));
  Image a = decode_png(
      encode_png(1, 2, PNG_COLOR_TYPE_RGB_ALPHA, 8, {{10, 20, 30, 0}, {40, 50, 60, 255}}), "alpha");
  EXPECT_EQ(a.pixels, (std::vector<uint8_t>{10, 20, 30, 40, 50, 60}));
  std::string ok = encode_png(2, 1, PNG_COLOR_TYPE_GRAY, 8, {{7, 200}});
  try {
    decode_png(ok.substr(0, ok.size() - 20), "cut.png");
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("cut.png: invalid PNG"), std::string::npos) << e.what();
  }
  DecodeOptions small;
  small.max_pixels = 1;
  EXPECT_THROW(decode_png(ok, "big.png", small), UserError);
}
