// Inputs the libFuzzer targets (fuzz/) found, reduced: each once escaped as something other
// than tailor::UserError. They must stay clean refusals naming the file.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "data/coco.h"
#include "data/dataturks.h"
#include "engine/error.h"
#include "engine/io/safetensors.h"
#include "tests/support/user_error.h"

namespace tailor {
namespace {

using ::testing::HasSubstr;

using testing::user_error_of;

// coco_fuzz crash-cc924e43: nlohmann::json throws out_of_range (not parse_error) for a number
// beyond double, which escaped parse_coco and terminated the process.
TEST(FuzzFindings, CocoNumberOverflowIsAUserError) {
  const std::string text =
      R"({"images": [{"id": 22222222e2222222222222222222, "file_name": "a.jpg"}]})";
  const std::string e =
      user_error_of([&] { data::parse_coco(text, "/nowhere/coco.json", nullptr, "/nowhere"); });
  EXPECT_THAT(e, HasSubstr("/nowhere/coco.json: invalid JSON"));
  EXPECT_THAT(e, HasSubstr("number overflow"));
}

// The same number in the other JSON readers (they parse without exceptions).
TEST(FuzzFindings, NumberOverflowInDataturksAndSafetensors) {
  EXPECT_THAT(user_error_of([] {
                data::parse_dataturks(R"({"content": "a.jpg", "annotation": 1e99999})",
                                      "/nowhere/d.json", nullptr, "/nowhere");
              }),
              HasSubstr("/nowhere/d.json: line 1"));
  const std::string header =
      R"({"w": {"dtype": "F32", "shape": [1e99999], "data_offsets": [0, 4]}})";
  const uint64_t n = header.size();
  const std::string file = std::string(reinterpret_cast<const char*>(&n), 8) + header + "abcd";
  EXPECT_THAT(user_error_of([&] { io::decode_safetensors(file, "x.safetensors"); }),
              HasSubstr("x.safetensors"));
}

}  // namespace
}  // namespace tailor
