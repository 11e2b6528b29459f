#include "data/image.h"

#include <cstring>

#include "runtime/error.h"
#include "runtime/io/byte_reader.h"

namespace tailor::data {

ImageType sniff_image_type(const std::string& b) {
  if (b.size() >= 3 && static_cast<uint8_t>(b[0]) == 0xFF && static_cast<uint8_t>(b[1]) == 0xD8 &&
      static_cast<uint8_t>(b[2]) == 0xFF)
    return ImageType::kJpeg;
  if (b.size() >= 8 && std::memcmp(b.data(), "\x89PNG\r\n\x1a\n", 8) == 0) return ImageType::kPng;
  return ImageType::kUnknown;
}

Image decode_image(const std::string& bytes, const std::string& context,
                   const DecodeOptions& opts) {
  switch (sniff_image_type(bytes)) {
    case ImageType::kJpeg:
      return decode_jpeg(bytes, context, opts);
    case ImageType::kPng:
      return decode_png(bytes, context, opts);
    default:
      throw UserError(
          detail::concat(context, ": not a JPEG or PNG image (", bytes.size(), " bytes)"));
  }
}

namespace {

// JPEG segments before the scan: (marker, payload). Stops at SOS.
template <typename Fn>
void for_each_jpeg_segment(const std::string& bytes, const std::string& ctx, Fn fn) {
  io::ByteReader r(bytes, ctx);
  r.skip(2, "SOI");
  while (!r.done()) {
    uint8_t ff = r.u8("marker");
    if (ff != 0xFF) r.fail("expected a marker at offset ", r.pos() - 1);
    uint8_t m = r.u8("marker");
    while (m == 0xFF) m = r.u8("marker");  // fill bytes
    if (m == 0xD8 || (m >= 0xD0 && m <= 0xD7) || m == 0x01) continue;
    if (m == 0xD9 || m == 0xDA) return;
    uint8_t hi = r.u8("segment length"), lo = r.u8("segment length");
    size_t len = (size_t(hi) << 8) | lo;
    if (len < 2) r.fail("segment length ", len, " too small");
    std::string_view payload = r.bytes(len - 2, "segment");
    if (!fn(m, payload)) return;
  }
}

uint16_t rd16(std::string_view s, size_t off, bool le) {
  if (off + 2 > s.size()) throw UserError("EXIF: offset past the end");
  auto b = reinterpret_cast<const uint8_t*>(s.data()) + off;
  return le ? uint16_t(b[0] | (b[1] << 8)) : uint16_t((b[0] << 8) | b[1]);
}
uint32_t rd32(std::string_view s, size_t off, bool le) {
  if (off + 4 > s.size()) throw UserError("EXIF: offset past the end");
  auto b = reinterpret_cast<const uint8_t*>(s.data()) + off;
  return le ? uint32_t(b[0] | (b[1] << 8) | (b[2] << 16) | (uint32_t(b[3]) << 24))
            : uint32_t((uint32_t(b[0]) << 24) | (b[1] << 16) | (b[2] << 8) | b[3]);
}

int orientation_from_exif(std::string_view app1) {
  if (app1.size() < 6 || app1.substr(0, 6) != std::string_view("Exif\0\0", 6)) return 0;
  std::string_view tiff = app1.substr(6);
  if (tiff.size() < 8) return 0;
  bool le;
  if (tiff.substr(0, 2) == "II")
    le = true;
  else if (tiff.substr(0, 2) == "MM")
    le = false;
  else
    return 0;
  uint32_t ifd = rd32(tiff, 4, le);
  uint16_t n = rd16(tiff, ifd, le);
  for (uint16_t i = 0; i < n; ++i) {
    size_t e = size_t(ifd) + 2 + size_t(i) * 12;
    if (rd16(tiff, e, le) == 0x0112) {
      uint16_t type = rd16(tiff, e + 2, le);
      if (type != 3) return 0;  // SHORT
      uint16_t v = rd16(tiff, e + 8, le);
      return v >= 1 && v <= 8 ? v : 0;
    }
  }
  return 0;
}

}  // namespace

int jpeg_exif_orientation(const std::string& bytes) {
  if (sniff_image_type(bytes) != ImageType::kJpeg) return 1;
  int result = 1;
  try {
    for_each_jpeg_segment(bytes, "EXIF", [&](uint8_t marker, std::string_view payload) {
      if (marker != 0xE1) return true;
      int o = orientation_from_exif(payload);
      if (o == 0) return true;  // an XMP APP1, keep looking
      result = o;
      return false;
    });
  } catch (const UserError&) {
    return 1;  // a damaged EXIF block must not make a decodable image unreadable
  }
  return result;
}

Image apply_exif_orientation(const Image& in, int o) {
  if (o <= 1 || o > 8) return in;
  bool transpose = o >= 5;
  Image out;
  out.width = transpose ? in.height : in.width;
  out.height = transpose ? in.width : in.height;
  out.pixels.resize(in.pixels.size());
  for (int y = 0; y < out.height; ++y)
    for (int x = 0; x < out.width; ++x) {
      int sx, sy;  // source pixel of output (x, y), per the EXIF definition of each tag
      switch (o) {
        case 2:
          sx = in.width - 1 - x;
          sy = y;
          break;
        case 3:
          sx = in.width - 1 - x;
          sy = in.height - 1 - y;
          break;
        case 4:
          sx = x;
          sy = in.height - 1 - y;
          break;
        case 5:
          sx = y;
          sy = x;
          break;
        case 6:
          sx = y;
          sy = in.height - 1 - x;
          break;
        case 7:
          sx = in.width - 1 - y;
          sy = in.height - 1 - x;
          break;
        default:
          sx = in.width - 1 - y;
          sy = x;
          break;  // 8
      }
      std::memcpy(out.row(y) + x * 3, in.row(sy) + sx * 3, 3);
    }
  return out;
}

void probe_image_size(const std::string& bytes, const std::string& context, int* width, int* height,
                      bool exif_orientation) {
  ImageType t = sniff_image_type(bytes);
  if (t == ImageType::kPng) {
    if (bytes.size() < 24 || bytes.compare(12, 4, "IHDR") != 0)
      throw UserError(context + ": PNG header truncated (no IHDR)");
    *width = static_cast<int>(rd32(bytes, 16, false));
    *height = static_cast<int>(rd32(bytes, 20, false));
    return;
  }
  if (t != ImageType::kJpeg) throw UserError(context + ": not a JPEG or PNG image");
  bool found = false;
  for_each_jpeg_segment(bytes, context, [&](uint8_t m, std::string_view p) {
    bool sof = m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
    if (!sof) return true;
    if (p.size() < 5) throw UserError(context + ": JPEG frame header truncated");
    *height = rd16(p, 1, false);
    *width = rd16(p, 3, false);
    found = true;
    return false;
  });
  if (!found) throw UserError(context + ": JPEG has no frame header");
  if (exif_orientation && jpeg_exif_orientation(bytes) >= 5) std::swap(*width, *height);
}

}  // namespace tailor::data
