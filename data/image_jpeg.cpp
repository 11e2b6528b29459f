// JPEG decoding through libjpeg-turbo. libjpeg reports fatal errors by calling error_exit,
// which by default calls exit(); ours longjmps back into decode_jpeg instead.
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

// jpeglib.h needs size_t and FILE declared first.
#include <jpeglib.h>
// jerror.h needs jpeglib.h.
#include <jerror.h>

#include "data/image.h"
#include "runtime/error.h"

namespace tailor::data {

namespace {

struct ErrorMgr {
  jpeg_error_mgr pub;
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

void on_error(j_common_ptr cinfo) {
  ErrorMgr* err = reinterpret_cast<ErrorMgr*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  longjmp(err->jump, 1);
}

// Warnings are tolerated (TF's decoder tolerates them too), except a premature end of data:
// libjpeg would pad a truncated file with grey and report success.
void on_message(j_common_ptr cinfo, int level) {
  if (level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF) on_error(cinfo);
}

// State the longjmp path must see, kept off the registers of the setjmp frame.
struct JpegState {
  jpeg_decompress_struct cinfo;
  ErrorMgr err;
  std::vector<uint8_t> row;
};

}  // namespace

Image decode_jpeg(const std::string& bytes, const std::string& context, const DecodeOptions& opts) {
  Image img;
  auto st = std::make_unique<JpegState>();
  jpeg_decompress_struct* cinfo = &st->cinfo;
  cinfo->err = jpeg_std_error(&st->err.pub);
  st->err.pub.error_exit = on_error;
  st->err.pub.emit_message = on_message;
  st->err.message[0] = '\0';
  if (setjmp(st->err.jump)) {
    std::string msg = st->err.message;
    jpeg_destroy_decompress(cinfo);
    throw UserError(context + ": invalid JPEG: " + msg);
  }
  jpeg_create_decompress(cinfo);
  jpeg_mem_src(cinfo, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  jpeg_read_header(cinfo, TRUE);
  int64_t pixels = int64_t(cinfo->image_width) * cinfo->image_height;
  if (pixels > opts.max_pixels) {
    jpeg_destroy_decompress(cinfo);
    throw UserError(detail::concat(context, ": JPEG is ", cinfo->image_width, "x",
                                   cinfo->image_height, ", over the limit of ", opts.max_pixels,
                                   " pixels"));
  }
  bool cmyk = cinfo->jpeg_color_space == JCS_CMYK || cinfo->jpeg_color_space == JCS_YCCK;
  cinfo->out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
  cinfo->dct_method = JDCT_ISLOW;
  cinfo->do_fancy_upsampling = TRUE;
  if (opts.jpeg_scale_denom > 1) {
    int denom = 1;
    for (int d = 2; d <= opts.jpeg_scale_denom && d <= 8; d *= 2)
      if (int64_t(cinfo->image_width) / d >= opts.min_scaled_side &&
          int64_t(cinfo->image_height) / d >= opts.min_scaled_side)
        denom = d;
    cinfo->scale_num = 1;
    cinfo->scale_denom = denom;
  }
  jpeg_start_decompress(cinfo);
  img.width = static_cast<int>(cinfo->output_width);
  img.height = static_cast<int>(cinfo->output_height);
  img.pixels.resize(size_t(img.width) * img.height * 3);
  if (cmyk) st->row.resize(size_t(img.width) * 4);
  while (cinfo->output_scanline < cinfo->output_height) {
    int y = static_cast<int>(cinfo->output_scanline);
    JSAMPROW dst = cmyk ? st->row.data() : img.row(y);
    jpeg_read_scanlines(cinfo, &dst, 1);
    if (cmyk) {
      // Same conversion as TF's decoder: Adobe writes inverted CMYK.
      uint8_t* out = img.row(y);
      bool adobe = cinfo->saw_Adobe_marker;
      for (int x = 0; x < img.width; ++x) {
        const uint8_t* p = &st->row[size_t(x) * 4];
        int k = p[3];
        for (int c = 0; c < 3; ++c)
          out[x * 3 + c] =
              static_cast<uint8_t>(adobe ? (k * p[c]) / 255 : (255 - k) * (255 - p[c]) / 255);
      }
    }
  }
  jpeg_finish_decompress(cinfo);
  jpeg_destroy_decompress(cinfo);
  if (opts.exif_orientation) {
    int o = jpeg_exif_orientation(bytes);
    if (o != 1) img = apply_exif_orientation(img, o);
  }
  return img;
}

}  // namespace tailor::data
