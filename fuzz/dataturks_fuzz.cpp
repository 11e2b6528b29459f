// Dataturks JSON lines.
#include "data/dataturks.h"
#include "fuzz/fuzz_util.h"

using namespace tailor;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::expect_only_user_error([&] {
    data::parse_dataturks(fuzz::as_string(data, size), std::string(fuzz::kNowhere) + "/a.json",
                          &fuzz::clothing_labels(), fuzz::kNowhere);
  });
  return 0;
}
