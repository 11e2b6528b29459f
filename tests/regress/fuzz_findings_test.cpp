// Inputs the libFuzzer targets (fuzz/) found, reduced: each once escaped as something other
// than tailor::UserError. They must stay clean refusals naming the file.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "data/coco.h"
#include "data/dataturks.h"
#include "data/tf_example.h"
#include "engine/io/safetensors.h"
#include "runtime/error.h"
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

// tf_example_fuzz crash-410442bd (found by CI's 20-second run): an empty packed float_list
// made parse_tf_example memcpy from a null pointer (undefined behaviour under UBSan).
TEST(FuzzFindings, EmptyPackedFloatListIsAnEmptyList) {
  // Example{features{feature{"f": FloatList{value: packed, 0 bytes}}}}
  const std::string float_list("\x0a\x00", 2);  // FloatList.value, packed, 0 bytes
  const std::string feature = std::string("\x12\x02", 2) + float_list;  // Feature.float_list
  const std::string entry = std::string(
                                "\x0a\x01"
                                "f"
                                "\x12\x04",
                                5) +
                            feature;
  const std::string features = std::string("\x0a\x09", 2) + entry;  // Features.feature
  const std::string example = std::string("\x0a\x0b", 2) + features;
  const data::FeatureMap m = data::parse_tf_example(example, "mem: record 0");
  const data::Feature* f = data::find_feature(m, "f");
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(f->floats.empty());
}

// dataturks_fuzz crash-45b0aa9b (found by CI's 20-second run): imageWidth 8.4e41 was
// converted to int before the range check (undefined behaviour under UBSan).
TEST(FuzzFindings, HugeDataturksImageSizeIsAUserError) {
  const std::string line =
      R"({"content": "a.jpg", "annotation": [{"label": ["Shoes"], "points": [{"x": 0.1, "y": )"
      R"(0.1}, {"x": 0.5, "y": 0.5}], "imageWidth": 8.4e41, "imageHeight": 10}]})";
  const std::string e = user_error_of(
      [&] { data::parse_dataturks(line + "\n", "/nowhere/dt.json", nullptr, "/nowhere"); });
  EXPECT_THAT(e, HasSubstr("/nowhere/dt.json: line 1"));
  EXPECT_THAT(e, HasSubstr("imageWidth x imageHeight"));
}

}  // namespace
}  // namespace tailor
