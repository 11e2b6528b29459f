// The PNG decode wrapper (and the magic-byte dispatch). The pixel limit is lowered so
// legitimately huge (slow) images are refused, not timed out.
#include "data/image.h"
#include "fuzz/fuzz_util.h"

using namespace tailor;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes = fuzz::as_string(data, size);
  data::DecodeOptions opts;
  opts.max_pixels = int64_t(4) << 20;
  fuzz::expect_only_user_error([&] {
    int w = 0, h = 0;
    data::probe_image_size(bytes, "fuzz.png", &w, &h);
  });
  fuzz::expect_only_user_error([&] {
    data::Image img = data::decode_png(bytes, "fuzz.png", opts);
    if (img.pixels.size() != size_t(img.width) * img.height * 3) __builtin_trap();
  });
  fuzz::expect_only_user_error([&] { data::decode_image(bytes, "fuzz.img", opts); });
  return 0;
}
