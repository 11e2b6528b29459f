// label_map.pbtxt and the one-name-per-line form, plus the pbtxt round trip.
#include "data/label_map.h"
#include "fuzz/fuzz_util.h"

using namespace tailor;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text = fuzz::as_string(data, size);
  fuzz::expect_only_user_error([&] {
    data::LabelMap m = data::LabelMap::parse_pbtxt(text, "fuzz.pbtxt");
    for (const data::LabelItem& it : m.items()) m.id_of(it.name);
    data::LabelMap again = data::LabelMap::parse_pbtxt(m.to_pbtxt(), "round trip");
    if (again.items().size() != m.items().size()) __builtin_trap();
  });
  fuzz::expect_only_user_error([&] { data::LabelMap::parse_lines(text, "fuzz.txt"); });
  return 0;
}
