#pragma once
// Decoded images: uint8 RGB, height x width x 3, row-major (HWC). JPEG goes through
// libjpeg-turbo with TF decode_jpeg's defaults (ISLOW DCT, fancy upsampling), PNG through
// libpng. Errors never exit or crash: libjpeg/libpng failures come back as UserError naming
// the source (file, or file + record) and the library's message.
#include <cstdint>
#include <string>
#include <vector>

namespace tailor::data {

struct Image {
  int width = 0, height = 0;
  std::vector<uint8_t> pixels;  // height * width * 3
  const uint8_t* row(int y) const { return pixels.data() + size_t(y) * width * 3; }
  uint8_t* row(int y) { return pixels.data() + size_t(y) * width * 3; }
};

struct DecodeOptions {
  // Refused (from the header, before any pixel is decoded) above this many pixels.
  int64_t max_pixels = int64_t(64) << 20;
  // JPEG EXIF orientation tag (APP1) applied. TF's decode_jpeg ignores it; annotation tools
  // and viewers mostly honour it.
  bool exif_orientation = true;
  // libjpeg-turbo DCT-domain downscaling by 1/N (N in 1,2,4,8), only while the scaled image
  // stays at least `min_scaled_side` on each side. Much faster for large photos, but the
  // pixels differ from TF's full decode followed by a resize; off (1) by default.
  int jpeg_scale_denom = 1;
  int min_scaled_side = 0;
};

enum class ImageType { kUnknown, kJpeg, kPng };
ImageType sniff_image_type(const std::string& bytes);

// Decodes JPEG or PNG (by magic bytes). `context` names the source in error messages.
Image decode_image(const std::string& bytes, const std::string& context,
                   const DecodeOptions& opts = {});
Image decode_jpeg(const std::string& bytes, const std::string& context,
                  const DecodeOptions& opts = {});
Image decode_png(const std::string& bytes, const std::string& context,
                 const DecodeOptions& opts = {});

// Width and height from the header only (EXIF orientation applied for JPEG when asked).
// Throws UserError on a truncated or unknown header.
void probe_image_size(const std::string& bytes, const std::string& context, int* width, int* height,
                      bool exif_orientation = true);

// EXIF orientation (1..8) from a JPEG's APP1 segment; 1 when absent or unreadable.
int jpeg_exif_orientation(const std::string& bytes);
// Applies an EXIF orientation (1..8) so the image displays upright.
Image apply_exif_orientation(const Image& img, int orientation);

}  // namespace tailor::data
