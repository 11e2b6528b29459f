// `data stats` and `data check` logic.
#include <gtest/gtest.h>

#include "data/dataset_io.h"
#include "data/dataset_report.h"

using namespace tailor::data;

namespace {
const std::string kData = std::string(TAILOR_SHARED_DIR) + "/data";
}

TEST(Stats, JsonShapeAndCounts) {
  LabelMap labels = LabelMap::load(kData + "/label_map.pbtxt");
  Dataset ds = read_dataset(Format::kVoc, kData + "/dataturks_val:val", {&labels});
  DatasetStats s = compute_stats(ds, &labels);
  std::string j = stats_json(s);
  EXPECT_EQ(
      j.rfind("{\"images\":33,\"boxes\":33,\"per_class\":{\"Jackets\":{\"images\":4,\"boxes\":4},",
              0),
      0u)
      << j;
  // The Dataturks files say `sunglasses`; the label map names the class.
  EXPECT_EQ(s.per_class.at("Sunglasses").boxes, 8);
  EXPECT_EQ(s.per_class.count("sunglasses"), 0u);
}

TEST(Check, FlagsTheScrambledFixtureBoxes) {
  LabelMap labels = LabelMap::load(kData + "/label_map.pbtxt");
  Dataset ds =
      read_dataset(Format::kTfRecord, kData + "/seed_tfrecord_fixture/three.record", {&labels});
  CheckOptions o;
  o.labels = &labels;
  std::vector<Issue> issues = check_dataset(ds, o);
  ASSERT_EQ(issues.size(), 4u);
  EXPECT_EQ(issues[0].where, kData + "/seed_tfrecord_fixture/three.record: record 0");
  EXPECT_EQ(issues[0].field, "object 1/bndbox/ymin");
  EXPECT_EQ(issues[3].message, "inverted: xmin 123 > xmax 20");
  // The true boxes (the XML beside the record) are clean.
  Dataset xml = read_dataset(Format::kVoc, kData + "/seed_tfrecord_fixture", {&labels});
  EXPECT_TRUE(check_dataset(xml, o).empty());
}

TEST(Check, UnknownLabelsUnreadableAndDuplicateImages) {
  LabelMap labels = LabelMap::load(kData + "/label_map.pbtxt");
  Dataset ds = read_dataset(Format::kVoc, kData + "/dataturks_val:val", {&labels});
  ds.resize(3);
  ds.push_back(ds[0]);
  ds.back().source = "copy.xml";
  ds[1].boxes[0].label = "Dress";
  ds[2].image_path = "/nonexistent.jpg";
  CheckOptions o;
  o.labels = &labels;
  std::vector<Issue> issues = check_dataset(ds, o);
  ASSERT_EQ(issues.size(), 3u);
  EXPECT_EQ(issues[0].message, "unknown label 'Dress'");
  EXPECT_EQ(issues[1].field, "image");
  EXPECT_NE(issues[1].message.find("/nonexistent.jpg"), std::string::npos);
  EXPECT_EQ(issues[2].where, "copy.xml");
  EXPECT_NE(issues[2].message.find("duplicate image"), std::string::npos);
}
