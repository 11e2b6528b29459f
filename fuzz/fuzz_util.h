#pragma once
// Shared by every libFuzzer target: a parser may refuse its input only with tailor::UserError.
// Any other exception escapes LLVMFuzzerTestOneInput, which libFuzzer reports as a crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "data/label_map.h"
#include "runtime/error.h"

namespace tailor::fuzz {

inline std::string as_string(const uint8_t* data, size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

// Runs `parse`, swallowing the one expected failure.
template <typename F>
void expect_only_user_error(F&& parse) {
  try {
    parse();
  } catch (const UserError&) {
  }
}

// The clothing label map, so readers exercise their name -> id lookups.
inline const data::LabelMap& clothing_labels() {
  static const data::LabelMap labels = data::LabelMap::parse_lines(
      "???\nJackets\nJeans\nShirts\nShoes\nSkirts\nSunglasses\nTops\nTrousers\nTshirts\n",
      "fuzz labels");
  return labels;
}

// Readers look for images beside their input; a folder that never exists keeps the fuzzers
// from touching the file system.
inline const char* kNowhere = "/nonexistent-tailor-fuzz";

}  // namespace tailor::fuzz
