#include "data/jpeg_encode.h"

// clang-format off
#include <cstdio>  // jpeglib.h needs FILE
#include <jpeglib.h>
// clang-format on

#include <csetjmp>
#include <cstdlib>

#include "runtime/error.h"

namespace tailor::data {

namespace {

// libjpeg's default error_exit calls exit(); ours longjmps back with the message.
struct ErrorManager {
  jpeg_error_mgr pub;
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

void on_error(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<ErrorManager*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  longjmp(err->jump, 1);
}

// State the longjmp path must see, kept off the registers of the setjmp frame.
struct EncodeState {
  jpeg_compress_struct cinfo;
  ErrorManager err;
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
};

}  // namespace

std::string encode_jpeg(const Image& image, int quality) {
  TAILOR_CHECK(image.width >= 1 && image.height >= 1 &&
                   image.pixels.size() == size_t(image.width) * image.height * 3,
               UserError, "encode_jpeg: bad image ", image.width, "x", image.height);
  EncodeState st;
  EncodeState* s = &st;
  s->cinfo.err = jpeg_std_error(&s->err.pub);
  s->err.pub.error_exit = on_error;
  if (setjmp(s->err.jump)) {
    jpeg_destroy_compress(&s->cinfo);
    free(s->buffer);
    throw UserError(std::string("libjpeg: cannot encode: ") + s->err.message);
  }
  jpeg_create_compress(&s->cinfo);
  jpeg_mem_dest(&s->cinfo, &s->buffer, &s->size);
  s->cinfo.image_width = static_cast<JDIMENSION>(image.width);
  s->cinfo.image_height = static_cast<JDIMENSION>(image.height);
  s->cinfo.input_components = 3;
  s->cinfo.in_color_space = JCS_RGB;
  jpeg_set_defaults(&s->cinfo);
  jpeg_set_quality(&s->cinfo, quality, TRUE);
  jpeg_start_compress(&s->cinfo, TRUE);
  while (s->cinfo.next_scanline < s->cinfo.image_height) {
    JSAMPROW row = const_cast<JSAMPROW>(image.row(static_cast<int>(s->cinfo.next_scanline)));
    jpeg_write_scanlines(&s->cinfo, &row, 1);
  }
  jpeg_finish_compress(&s->cinfo);
  std::string out(reinterpret_cast<const char*>(s->buffer), s->size);
  jpeg_destroy_compress(&s->cinfo);
  free(s->buffer);
  return out;
}

}  // namespace tailor::data
