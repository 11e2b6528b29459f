// Repeat-factor sampling: the LVIS factors against hand-computed values, and the systematic
// sampler's fixed epoch length and floor/ceil shares.
#include "data/repeat_factor.h"

#include <gtest/gtest.h>

#include <cmath>

#include "runtime/error.h"

using namespace tailor;
using namespace tailor::data;

namespace {

Example image(const std::string& name, std::vector<std::string> classes) {
  Example ex;
  ex.source = name + ".xml";
  ex.width = ex.height = 100;
  for (const std::string& c : classes) {
    Box b;
    b.xmax = b.ymax = 50;
    b.label = c;
    ex.boxes.push_back(b);
  }
  return ex;
}

LabelMap three_classes() {
  return LabelMap({{1, "Jackets", ""}, {2, "Shoes", ""}, {3, "Skirts", ""}});
}

}  // namespace

TEST(RepeatFactor, LvisFactorsPerClassAndImage) {
  // 10 images: Shoes in 8, Jackets in 2 (one of them also has Shoes), Skirts in 1, one empty.
  Dataset ds;
  for (int i = 0; i < 7; ++i) ds.push_back(image("shoes" + std::to_string(i), {"Shoes", "Shoes"}));
  ds.push_back(image("jacket_shoes", {"Jackets", "Shoes"}));
  ds.push_back(image("jacket_skirt", {"Jackets", "skirts"}));  // names match case-insensitively
  ds.push_back(image("empty", {}));
  const LabelMap labels = three_classes();
  RepeatFactors rf = repeat_factors(ds, 0.5, &labels);
  EXPECT_EQ(rf.images_of[2], 8);  // images, not boxes
  EXPECT_EQ(rf.images_of[1], 2);
  EXPECT_EQ(rf.images_of[3], 1);
  EXPECT_DOUBLE_EQ(rf.per_class[2], 1.0);                   // f = 0.8 >= t
  EXPECT_DOUBLE_EQ(rf.per_class[1], std::sqrt(0.5 / 0.2));  // 1.5811
  EXPECT_DOUBLE_EQ(rf.per_class[3], std::sqrt(0.5 / 0.1));  // 2.2361
  ASSERT_EQ(rf.per_image.size(), 10u);
  EXPECT_DOUBLE_EQ(rf.per_image[0], 1.0);
  EXPECT_DOUBLE_EQ(rf.per_image[7], std::sqrt(2.5));  // its rarest class decides
  EXPECT_DOUBLE_EQ(rf.per_image[8], std::sqrt(5.0));
  EXPECT_DOUBLE_EQ(rf.per_image[9], 1.0);  // no boxes: seen once

  RepeatFactors off = repeat_factors(ds, 0, &labels);
  for (double r : off.per_image) EXPECT_DOUBLE_EQ(r, 1.0);
}

TEST(RepeatFactor, UnknownClassNamesTheFile) {
  Dataset ds = {image("a", {"Shoes"}), image("b", {"Hats"})};
  const LabelMap labels = three_classes();
  try {
    repeat_factors(ds, 0.5, &labels);
    FAIL() << "expected a UserError";
  } catch (const UserError& e) {
    EXPECT_STREQ(e.what(), "b.xml: object 1: unknown class 'Hats'");
  }
}

TEST(RepeatFactor, SystematicSampleHasFixedLengthAndFloorOrCeilShares) {
  const std::vector<double> w = {1.0, 1.5, 2.2, 1.0, 4.3};  // sum 10
  EXPECT_EQ(sample_epoch_length(w), 10);
  for (double offset : {0.0, 0.25, 0.5, 0.999}) {
    for (const std::vector<int64_t>& visit :
         {std::vector<int64_t>{}, std::vector<int64_t>{4, 2, 0, 3, 1}}) {
      std::vector<int64_t> s = systematic_sample(w, visit, offset);
      ASSERT_EQ(s.size(), 10u);
      std::vector<int> count(w.size(), 0);
      for (int64_t i : s) ++count[i];
      for (size_t i = 0; i < w.size(); ++i) {
        EXPECT_GE(count[i], std::floor(w[i])) << "image " << i << " offset " << offset;
        EXPECT_LE(count[i], std::ceil(w[i])) << "image " << i << " offset " << offset;
      }
    }
  }
  // Whole weights are exact whatever the offset.
  std::vector<int64_t> s = systematic_sample({2.0, 1.0, 3.0}, {}, 0.7);
  EXPECT_EQ(s, (std::vector<int64_t>{0, 0, 1, 2, 2, 2}));
  // A non-integer total is rounded; shares scale to it.
  EXPECT_EQ(sample_epoch_length({1.2, 1.2}), 2);
  EXPECT_EQ(systematic_sample({1.2, 1.2}, {}, 0.5), (std::vector<int64_t>{0, 1}));
  EXPECT_THROW(systematic_sample({1.0, 0.0}, {}, 0.5), UserError);
}
