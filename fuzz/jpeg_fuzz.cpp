// The JPEG decode wrapper: header probe, EXIF orientation, full and DCT-scaled decodes. The
// pixel limit is lowered so legitimately huge (slow) images are refused, not timed out.
#include "data/image.h"
#include "fuzz/fuzz_util.h"

using namespace tailor;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes = fuzz::as_string(data, size);
  data::DecodeOptions opts;
  opts.max_pixels = int64_t(4) << 20;
  opts.jpeg_scale_denom = size > 0 ? 1 << (data[size - 1] & 3) : 1;
  fuzz::expect_only_user_error([&] {
    int w = 0, h = 0;
    data::probe_image_size(bytes, "fuzz.jpg", &w, &h);
  });
  data::jpeg_exif_orientation(bytes);
  fuzz::expect_only_user_error([&] {
    data::Image img = data::decode_jpeg(bytes, "fuzz.jpg", opts);
    if (img.pixels.size() != size_t(img.width) * img.height * 3) __builtin_trap();
  });
  return 0;
}
