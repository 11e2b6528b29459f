// A safetensors file (Tailor's checkpoint container).
#include "engine/io/safetensors.h"
#include "fuzz/fuzz_util.h"

using namespace tailor;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  fuzz::expect_only_user_error([&] { io::decode_safetensors(bytes, "fuzz.safetensors"); });
  return 0;
}
