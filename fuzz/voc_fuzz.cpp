// One Pascal VOC annotation.
#include "data/voc.h"
#include "fuzz/fuzz_util.h"

using namespace tailor;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::expect_only_user_error([&] {
    data::parse_voc_xml(fuzz::as_string(data, size),
                        std::string(fuzz::kNowhere) + "/annotations/a.xml",
                        &fuzz::clothing_labels(), fuzz::kNowhere);
  });
  return 0;
}
