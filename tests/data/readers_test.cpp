// Dataset readers and writers against the shared clothing data and the real TFRecord fixture.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

#include "data/csv.h"
#include "data/dataset_io.h"
#include "data/format_util.h"
#include "data/label_map.h"
#include "data/tf_example.h"
#include "data/tfrecord.h"
#include "data/voc.h"
#include "runtime/error.h"
#include "runtime/io/atomic_file.h"
#include "tests/support/scratch_dir.h"

namespace fs = std::filesystem;
using namespace tailor;
using namespace tailor::data;

namespace {

const std::string kData = std::string(TAILOR_SHARED_DIR) + "/data";
const std::string kFixture = kData + "/seed_tfrecord_fixture";

LabelMap clothing_labels() {
  return LabelMap::load(kData + "/label_map.pbtxt");
}

std::string temp_dir(const std::string& name) {
  return tailor::testing::scratch_dir("data", name);
}

std::map<std::string, int> box_counts(const Dataset& ds) {
  std::map<std::string, int> m;
  for (const Example& ex : ds)
    for (const Box& b : ex.boxes) ++m[b.label];
  return m;
}

}  // namespace

TEST(LabelMap, ReadsClothingPbtxt) {
  LabelMap m = clothing_labels();
  ASSERT_EQ(m.items().size(), 9u);
  EXPECT_EQ(m.id_of("Jackets"), 1);
  EXPECT_EQ(m.id_of("Tshirts"), 9);
  EXPECT_EQ(m.id_of("sunglasses"), 6);  // case-insensitive fallback
  EXPECT_EQ(m.id_of("Dress"), 0);
  EXPECT_EQ(m.name_of(4), "Shoes");
  LabelMap again = LabelMap::parse_pbtxt(m.to_pbtxt(), "roundtrip");
  EXPECT_EQ(again.items().size(), 9u);
  EXPECT_EQ(again.id_of("Skirts"), 5);
}

TEST(LabelMap, ReadsTfliteLabelLines) {
  LabelMap m = LabelMap::load(std::string(TAILOR_SHARED_DIR) +
                              "/weights/ssd_mobilenet_v1_0.75_quant_coco/labelmap.txt");
  EXPECT_EQ(m.id_of("person"), 1);  // line 2 -> id 1; line 1 '???' is the unused id 0
  EXPECT_EQ(m.id_of("bicycle"), 2);
  EXPECT_EQ(m.find_id(0), nullptr);
}

TEST(LabelMap, ErrorsNameTheLine) {
  try {
    LabelMap::parse_pbtxt("item {\n  id: x\n  name: 'A'\n}\n", "m.pbtxt");
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("m.pbtxt: line 2"), std::string::npos) << e.what();
  }
  EXPECT_THROW(LabelMap::parse_pbtxt("item { id: 1 name: 'A' } item { id: 1 name: 'B' }", "m"),
               UserError);
}

struct FixtureRecord {
  const char* stem;
  const char* text;
  int label, w, h;
  float xmin, ymin, xmax, ymax;  // stored (scrambled) floats
  int true_box[4];
  size_t bytes;
};
const FixtureRecord kRecords[3] = {
    {"0bbc18a2",
     "Shoes",
     4,
     312,
     203,
     0.012821f,
     1.536946f,
     0.012821f,
     0.950739f,
     {4, 4, 312, 193},
     24660},
    {"03e9700a",
     "Jeans",
     2,
     500,
     650,
     0.246000f,
     0.541538f,
     0.040000f,
     0.880000f,
     {123, 20, 352, 572},
     14272},
    {"1b506faf",
     "sunglasses",
     6,
     275,
     312,
     0.043636f,
     0.875000f,
     0.425455f,
     0.907051f,
     {12, 117, 273, 283},
     13563},
};

TEST(TfRecord, ReadsSeedFixture) {
  std::vector<std::string> payloads = read_tfrecord_file(kFixture + "/three.record");
  ASSERT_EQ(payloads.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    const FixtureRecord& r = kRecords[i];
    EXPECT_EQ(payloads[i].size() + 16, r.bytes);
    FeatureMap f = parse_tf_example(payloads[i], "fixture");
    Example ex = example_from_features(f, "fixture", nullptr);
    EXPECT_EQ(ex.width, r.w);
    EXPECT_EQ(ex.height, r.h);
    // image/filename is the original Windows path of a long Dataturks file name.
    EXPECT_EQ(ex.stem().rfind(r.stem, 0), 0u) << ex.filename;
    EXPECT_NE(ex.filename.find(":\\"), std::string::npos) << ex.filename;
    EXPECT_EQ(ex.format, "jpg");
    ASSERT_EQ(ex.boxes.size(), 1u);
    EXPECT_EQ(ex.boxes[0].label, r.text);
    EXPECT_EQ(ex.boxes[0].label_id, r.label);
    EXPECT_NEAR(find_feature(f, "image/object/bbox/xmin")->floats[0], r.xmin, 1e-6);
    EXPECT_NEAR(find_feature(f, "image/object/bbox/ymin")->floats[0], r.ymin, 1e-6);
    EXPECT_NEAR(find_feature(f, "image/object/bbox/xmax")->floats[0], r.xmax, 1e-6);
    EXPECT_NEAR(find_feature(f, "image/object/bbox/ymax")->floats[0], r.ymax, 1e-6);
    // The README's inverse of the CSV scramble recovers the XML box.
    EXPECT_EQ(std::lround(r.xmin * r.w), r.true_box[0]);
    EXPECT_EQ(std::lround(r.xmax * r.w), r.true_box[1]);
    EXPECT_EQ(std::lround(r.ymin * r.h), r.true_box[2]);
    EXPECT_EQ(std::lround(r.ymax * r.h), r.true_box[3]);
    // The encoded image is the JPEG beside the record, byte for byte.
    EXPECT_EQ(ex.encoded, io::read_file(kFixture + "/images/" + r.stem + ".jpg"));
    // The Dataturks XML beside it, read by tag name, holds the true box.
    Example xml = read_voc_xml(kFixture + "/annotations/" + r.stem + ".xml", nullptr);
    ASSERT_EQ(xml.boxes.size(), 1u);
    EXPECT_EQ(xml.width, r.w);
    EXPECT_EQ(xml.height, r.h);
    EXPECT_EQ(xml.boxes[0].xmin, r.true_box[0]);
    EXPECT_EQ(xml.boxes[0].ymin, r.true_box[1]);
    EXPECT_EQ(xml.boxes[0].xmax, r.true_box[2]);
    EXPECT_EQ(xml.boxes[0].ymax, r.true_box[3]);
    EXPECT_EQ(xml.image_path, kFixture + "/images/" + r.stem + ".jpg");
  }
}

TEST(TfRecord, WriterIsByteIdenticalToFixture) {
  std::string original = io::read_file(kFixture + "/three.record");
  std::vector<std::string> payloads = read_tfrecord_file(kFixture + "/three.record");
  std::string framed;
  for (const std::string& p : payloads) framed += frame_tfrecord(p);
  EXPECT_EQ(framed, original);
  // Re-serializing the parsed features reproduces the payload bytes too.
  for (const std::string& p : payloads)
    EXPECT_EQ(serialize_tf_example(parse_tf_example(p, "fixture")), p);
}

TEST(TfRecord, CorruptAndTruncatedRecordsNameFileAndRecord) {
  std::string dir = temp_dir("corrupt");
  std::string original = io::read_file(kFixture + "/three.record");
  std::string flipped = original;
  flipped[24660 + 100] ^= 0x40;  // inside record 1's payload
  io::write_file_atomic(dir + "/flipped.record", flipped);
  try {
    read_tfrecord_file(dir + "/flipped.record");
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("flipped.record: record 1: data CRC"), std::string::npos)
        << e.what();
  }
  io::write_file_atomic(dir + "/cut.record", original.substr(0, 24660 + 14272 + 500));
  try {
    read_tfrecord_file(dir + "/cut.record");
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("cut.record: record 2: truncated"), std::string::npos)
        << e.what();
  }
  std::string huge = original;
  uint64_t len = uint64_t(1) << 40;
  std::memcpy(huge.data(), &len, 8);  // the length CRC now fails first
  io::write_file_atomic(dir + "/huge.record", huge);
  EXPECT_THROW(read_tfrecord_file(dir + "/huge.record"), UserError);
  EXPECT_THROW(read_tfrecord_file(kFixture + "/three.record", 1000), UserError);  // over the limit
  EXPECT_THROW(parse_tf_example(std::string("\x0a\x50\x0a", 3), "bad"), UserError);
}

TEST(Voc, DataturksQuirksAndNormalizedCopiesAgree) {
  LabelMap labels = clothing_labels();
  std::vector<std::string> stems = read_split_file(kData + "/dataturks_val/val.txt");
  ASSERT_EQ(stems.size(), 33u);
  for (const std::string& s : stems) {
    Example raw = read_voc_xml(kData + "/dataturks_val/annotations/" + s + ".xml", &labels);
    Example voc = read_voc_xml(kData + "/dataturks_val/annotations_voc/" + s + ".xml", &labels);
    EXPECT_EQ(raw.width, voc.width) << s;
    EXPECT_EQ(raw.height, voc.height) << s;
    ASSERT_EQ(raw.boxes.size(), voc.boxes.size()) << s;
    for (size_t i = 0; i < raw.boxes.size(); ++i) {
      EXPECT_EQ(raw.boxes[i].xmin, voc.boxes[i].xmin) << s;
      EXPECT_EQ(raw.boxes[i].ymin, voc.boxes[i].ymin) << s;
      EXPECT_EQ(raw.boxes[i].xmax, voc.boxes[i].xmax) << s;
      EXPECT_EQ(raw.boxes[i].ymax, voc.boxes[i].ymax) << s;
      EXPECT_EQ(raw.boxes[i].label_id, voc.boxes[i].label_id) << s;
      EXPECT_GT(raw.boxes[i].label_id, 0) << s;
    }
    EXPECT_TRUE(fs::exists(raw.image_path)) << raw.image_path;
    EXPECT_EQ(raw.stem(), s);
  }
}

struct Counts {
  const char* split;
  int images;
  std::map<std::string, int> boxes;
};

void expect_counts(const std::string& dir, const Counts& c) {
  LabelMap labels = clothing_labels();
  Dataset ds = read_dataset(Format::kVoc, dir + ":" + c.split, {&labels});
  EXPECT_EQ(static_cast<int>(ds.size()), c.images) << dir << ":" << c.split;
  std::map<std::string, int> got = box_counts(ds);
  EXPECT_EQ(got, c.boxes) << dir << ":" << c.split;
  for (const Example& ex : ds)
    for (const Box& b : ex.boxes) EXPECT_GT(b.label_id, 0) << ex.where();
}

TEST(Voc, CcpCountsMatchReadme) {
  std::string d = kData + "/ccp";
  expect_counts(d, {"train",
                    803,
                    {{"Jackets", 314},
                     {"Jeans", 126},
                     {"Shirts", 143},
                     {"Shoes", 1114},
                     {"Skirts", 143},
                     {"Sunglasses", 233},
                     {"Tops", 214},
                     {"Trousers", 235},
                     {"Tshirts", 79}}});
  expect_counts(d, {"val",
                    99,
                    {{"Jackets", 43},
                     {"Jeans", 12},
                     {"Shirts", 16},
                     {"Shoes", 140},
                     {"Skirts", 9},
                     {"Sunglasses", 27},
                     {"Tops", 22},
                     {"Trousers", 38},
                     {"Tshirts", 11}}});
  expect_counts(d, {"test",
                    98,
                    {{"Jackets", 39},
                     {"Jeans", 17},
                     {"Shirts", 13},
                     {"Shoes", 141},
                     {"Skirts", 15},
                     {"Sunglasses", 33},
                     {"Tops", 29},
                     {"Trousers", 29},
                     {"Tshirts", 7}}});
}

TEST(Voc, MyntraCountsMatchReadme) {
  std::string d = kData + "/myntra";
  expect_counts(d, {"train",
                    1418,
                    {{"Jackets", 89},
                     {"Jeans", 136},
                     {"Shirts", 200},
                     {"Shoes", 200},
                     {"Skirts", 8},
                     {"Sunglasses", 195},
                     {"Tops", 198},
                     {"Trousers", 192},
                     {"Tshirts", 200}}});
  expect_counts(d, {"val",
                    186,
                    {{"Jackets", 14},
                     {"Jeans", 17},
                     {"Shirts", 25},
                     {"Shoes", 25},
                     {"Skirts", 4},
                     {"Sunglasses", 25},
                     {"Tops", 26},
                     {"Trousers", 25},
                     {"Tshirts", 25}}});
  expect_counts(d, {"test",
                    194,
                    {{"Jackets", 12},
                     {"Jeans", 23},
                     {"Shirts", 25},
                     {"Shoes", 25},
                     {"Skirts", 3},
                     {"Sunglasses", 30},
                     {"Tops", 26},
                     {"Trousers", 25},
                     {"Tshirts", 25}}});
}

TEST(Voc, DataturksValCountsMatchReadme) {
  LabelMap labels = clothing_labels();
  Dataset ds = read_dataset(Format::kVoc, kData + "/dataturks_val:val", {&labels});
  ASSERT_EQ(ds.size(), 33u);
  std::map<int, int> by_id;
  for (const Example& ex : ds)
    for (const Box& b : ex.boxes) ++by_id[b.label_id];
  std::map<int, int> want{{1, 4}, {2, 3}, {3, 2}, {4, 5}, {5, 1}, {6, 8}, {7, 2}, {8, 2}, {9, 6}};
  EXPECT_EQ(by_id, want);
}

TEST(Voc, BadXmlNamesFileAndLine) {
  try {
    parse_voc_xml("<annotation>\n<size><width>10</width><height>x</height></size>\n</annotation>",
                  "a.xml", nullptr, "");
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("a.xml: line 2: <size/height>"), std::string::npos)
        << e.what();
  }
  try {
    parse_voc_xml("<annotation>\n<size><width>10</width>\n", "b.xml", nullptr, "");
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("b.xml: line"), std::string::npos) << e.what();
  }
}

TEST(Formats, RoundTripEveryFormat) {
  LabelMap labels = clothing_labels();
  Dataset src = read_dataset(Format::kVoc, kData + "/dataturks_val:val", {&labels});
  src.resize(5);
  std::string dir = temp_dir("roundtrip");
  const std::pair<Format, std::string> targets[] = {{Format::kVoc, dir + "/voc"},
                                                    {Format::kCsv, dir + "/csv/labels.csv"},
                                                    {Format::kTfRecord, dir + "/tf/data.record"},
                                                    {Format::kDataturks, dir + "/dt/data.json"},
                                                    {Format::kCoco, dir + "/coco/instances.json"}};
  for (const auto& [fmt, path] : targets) {
    write_dataset(fmt, path, src, {&labels});
    Dataset back = read_dataset(fmt, path, {&labels});
    ASSERT_EQ(back.size(), src.size()) << format_name(fmt);
    for (size_t i = 0; i < src.size(); ++i) {
      EXPECT_EQ(back[i].width, src[i].width) << format_name(fmt);
      EXPECT_EQ(back[i].height, src[i].height) << format_name(fmt);
      EXPECT_EQ(back[i].stem(), src[i].stem()) << format_name(fmt);
      ASSERT_EQ(back[i].boxes.size(), src[i].boxes.size()) << format_name(fmt);
      for (size_t j = 0; j < src[i].boxes.size(); ++j) {
        const Box &a = src[i].boxes[j], &b = back[i].boxes[j];
        EXPECT_NEAR(b.xmin, a.xmin, 1e-3) << format_name(fmt);
        EXPECT_NEAR(b.ymin, a.ymin, 1e-3) << format_name(fmt);
        EXPECT_NEAR(b.xmax, a.xmax, 1e-3) << format_name(fmt);
        EXPECT_NEAR(b.ymax, a.ymax, 1e-3) << format_name(fmt);
        EXPECT_EQ(b.label_id, a.label_id) << format_name(fmt);
      }
      EXPECT_EQ(example_image_bytes(back[i]), example_image_bytes(src[i])) << format_name(fmt);
    }
  }
}

TEST(Formats, CsvAndJsonErrorsNameTheLine) {
  try {
    parse_csv("filename,width,height,class,xmin,ymin,xmax,ymax\na.jpg,10,10,Shoes,1,2,x,4\n",
              "l.csv", nullptr, "");
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("l.csv: line 2: column 'xmax'"), std::string::npos)
        << e.what();
  }
  std::string dir = temp_dir("json");
  io::write_file_atomic(
      dir + "/d.json",
      "{\"content\": \"a.jpg\", \"annotation\": [{\"label\": [\"Shoes\"], \"points\": "
      "[{\"x\": 0.1, \"y\": 0.2}, {\"x\": 0.5, \"y\": 0.6}], \"imageWidth\": 100, \"imageHeight\": "
      "50}]}\n"
      "{\"content\": \n");
  try {
    read_dataset(Format::kDataturks, dir + "/d.json");
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("d.json: line 2"), std::string::npos) << e.what();
  }
  io::write_file_atomic(dir + "/c.json",
                        "{\"images\": [{\"id\": 1, \"file_name\": \"a.jpg\", \"width\": 5}]}");
  try {
    read_dataset(Format::kCoco, dir + "/c.json");
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("c.json: images[0]: missing field 'height'"),
              std::string::npos)
        << e.what();
  }
}
