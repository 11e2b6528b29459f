// A .tflite flatbuffer: the model tables, every constant tensor dequantized, and the
// detection post-process options.
#include "engine/io/tflite.h"
#include "fuzz/fuzz_util.h"

using namespace tailor;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::expect_only_user_error([&] {
    io::TfliteModel m = io::TfliteModel::parse(fuzz::as_string(data, size), "fuzz.tflite");
    for (int i = 0; i < static_cast<int>(m.tensors().size()); ++i) {
      if (!m.is_constant(i)) continue;
      fuzz::expect_only_user_error([&] { m.dequantize(i); });
      fuzz::expect_only_user_error([&] { m.raw(i); });
    }
    if (m.find_operator("TFLite_Detection_PostProcess")) m.detection_postprocess_options();
  });
  return 0;
}
