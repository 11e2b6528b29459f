// Image-level label formats (catalog, imagefolder, labels_csv) on the shared catalogue and on
// small fixtures built from its JPEGs, errors included.
#include "data/image_labels.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "data/dataset_io.h"
#include "data/dataset_report.h"
#include "data/format_util.h"
#include "data/label_map.h"
#include "data/loader.h"
#include "runtime/error.h"
#include "tests/support/scratch_dir.h"
#include "tests/support/user_error.h"

namespace fs = std::filesystem;
using namespace tailor;
using namespace tailor::data;

namespace {

const std::string kData = std::string(TAILOR_SHARED_DIR) + "/data";
const std::string kCatalog = kData + "/catalog";

LabelMap clothing_labels() {
  return LabelMap::load(kData + "/label_map.pbtxt");
}

std::string temp_dir(const std::string& name) {
  return tailor::testing::scratch_dir("image_labels", name);
}

void write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

// A real catalogue JPEG, copied to `to`.
void copy_jpeg(const std::string& stem, const fs::path& to) {
  fs::create_directories(to.parent_path());
  fs::copy_file(kCatalog + "/images/" + stem + ".jpg", to, fs::copy_options::overwrite_existing);
}

// DIR/labels.csv + images/ + train.txt/val.txt with three photos.
std::string small_catalog(const std::string& name, const std::string& csv) {
  const std::string dir = temp_dir(name);
  for (const char* s : {"cds_001068a8", "cds_00143901", "cds_00208c77"})
    copy_jpeg(s, fs::path(dir) / "images" / (std::string(s) + ".jpg"));
  write(fs::path(dir) / "labels.csv", csv);
  write(fs::path(dir) / "train.txt", "cds_001068a8\ncds_00143901\n");
  write(fs::path(dir) / "val.txt", "cds_00208c77\n");
  return dir;
}

const char* kGoodCsv =
    "stem,class\ncds_001068a8,Tshirts\ncds_00143901,Shirts\ncds_00208c77,Shoes\n";

std::map<std::string, int> per_class(const Dataset& ds) {
  std::map<std::string, int> m;
  for (const Example& ex : ds) ++m[ex.image_label];
  return m;
}

}  // namespace

TEST(CatalogFormat, ReadsTheSharedCatalogueSplits) {
  const LabelMap labels = clothing_labels();
  const Dataset train = read_dataset(Format::kCatalog, kCatalog + ":train", {&labels});
  ASSERT_EQ(train.size(), 2649u);  // catalog/README.md
  const std::map<std::string, int> want = {{"Jackets", 309}, {"Jeans", 17},    {"Shirts", 583},
                                           {"Shoes", 604},   {"Skirts", 127},  {"Sunglasses", 66},
                                           {"Tops", 188},    {"Trousers", 40}, {"Tshirts", 715}};
  EXPECT_EQ(per_class(train), want);
  for (const Example& ex : train) {
    EXPECT_TRUE(ex.boxes.empty());
    EXPECT_EQ(ex.image_label_id, labels.id_of(ex.image_label));
  }
  EXPECT_EQ(train[0].stem(), "cds_001068a8");  // split-file order
  EXPECT_EQ(read_dataset(Format::kCatalog, kCatalog + ":val,test").size(), 383u + 391u);
  EXPECT_EQ(read_dataset(Format::kCatalog, kCatalog).size(), 3423u);
  const DatasetStats s = compute_stats(train, &labels);
  EXPECT_EQ(s.images, 2649);
  EXPECT_EQ(s.boxes, 0);
  EXPECT_EQ(s.per_class.at("Skirts").images, 127);
  EXPECT_NE(stats_json(s).find("\"Skirts\":{\"images\":127,\"boxes\":0}"), std::string::npos);
}

TEST(CatalogFormat, ErrorsNameTheFileAndLine) {
  const LabelMap labels = clothing_labels();
  auto error_of = [&](const std::string& dir, const std::string& spec = "") {
    return tailor::testing::user_error_of(
        [&] { read_dataset(Format::kCatalog, dir + spec, {&labels}); });
  };
  std::string d =
      small_catalog("unknown", "stem,class\ncds_001068a8,Tshirts\ncds_00143901,Dress\n");
  EXPECT_NE(error_of(d).find("labels.csv: line 3: class 'Dress' is not in the label map"),
            std::string::npos)
      << error_of(d);
  d = small_catalog("missing", std::string(kGoodCsv) + "cds_ffffffff,Tops\n");
  EXPECT_NE(error_of(d).find("labels.csv: line 5: image "), std::string::npos) << error_of(d);
  EXPECT_NE(error_of(d).find("cds_ffffffff.jpg not found"), std::string::npos);
  EXPECT_EQ(read_dataset(Format::kCatalog, d + ":train", {&labels}).size(), 2u);  // not selected
  d = small_catalog("duplicate", std::string(kGoodCsv) + "cds_00143901,Tops\n");
  EXPECT_NE(error_of(d).find("labels.csv: line 5: stem 'cds_00143901' appears twice (first at "),
            std::string::npos)
      << error_of(d);
  d = small_catalog("column", "stem,label\ncds_001068a8,Tshirts\n");
  EXPECT_NE(error_of(d).find("labels.csv: line 1: header lacks a class column (class)"),
            std::string::npos)
      << error_of(d);
  d = small_catalog("split", kGoodCsv);
  write(fs::path(d) / "test.txt", "cds_001068a8\n\ncds_12345678\n");
  EXPECT_NE(
      error_of(d, ":test").find("test.txt: line 3: stem 'cds_12345678' is not in the data set"),
      std::string::npos)
      << error_of(d, ":test");
  EXPECT_NE(error_of(temp_dir("empty")).find("not a catalog directory"), std::string::npos);
}

TEST(ImageFolderFormat, ReadsClassFoldersAndSplits) {
  const std::string dir = temp_dir("imagefolder");
  copy_jpeg("cds_001068a8", fs::path(dir) / "Tshirts" / "a.jpg");
  copy_jpeg("cds_00143901", fs::path(dir) / "Shirts" / "b.jpg");
  copy_jpeg("cds_00208c77", fs::path(dir) / "Shirts" / "nested" / "c.JPEG");
  write(fs::path(dir) / "Shirts" / ".DS_Store", "junk");  // hidden: skipped
  write(fs::path(dir) / "train.txt", "a\nc\n");           // at the root: not a class folder
  const LabelMap labels = clothing_labels();
  const Dataset all = read_dataset(Format::kImageFolder, dir, {&labels});
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].image_label, "Shirts");  // folders in name order
  EXPECT_EQ(all[0].stem(), "b");
  EXPECT_EQ(all[1].stem(), "c");
  EXPECT_EQ(all[2].image_label_id, 9);
  const Dataset train = read_dataset(Format::kImageFolder, dir + ":train", {&labels});
  ASSERT_EQ(train.size(), 2u);
  EXPECT_EQ(train[0].stem(), "a");
  // torchvision's root/train/CLASS layout.
  const std::string tv = temp_dir("imagefolder_tv");
  copy_jpeg("cds_001068a8", fs::path(tv) / "train" / "Tshirts" / "x.jpg");
  copy_jpeg("cds_00143901", fs::path(tv) / "val" / "Shirts" / "y.jpg");
  EXPECT_EQ(read_dataset(Format::kImageFolder, tv + ":val", {&labels}).at(0).stem(), "y");

  write(fs::path(dir) / "Shirts" / "notes.txt", "x");
  EXPECT_NE(tailor::testing::user_error_of([&] {
              read_dataset(Format::kImageFolder, dir);
            }).find("notes.txt: not an image"),
            std::string::npos);
  fs::remove(fs::path(dir) / "Shirts" / "notes.txt");
  copy_jpeg("cds_00208c77", fs::path(dir) / "Tshirts" / "b.png");
  EXPECT_NE(tailor::testing::user_error_of([&] {
              read_dataset(Format::kImageFolder, dir);
            }).find("stem 'b' appears twice"),
            std::string::npos);
  fs::remove(fs::path(dir) / "Tshirts" / "b.png");
  copy_jpeg("cds_00208c77", fs::path(dir) / "Dresses" / "d.jpg");
  EXPECT_NE(tailor::testing::user_error_of([&] {
              read_dataset(Format::kImageFolder, dir, {&labels});
            }).find("Dresses: folder: class 'Dresses' is not in the label map"),
            std::string::npos);
}

TEST(LabelsCsvFormat, ReadsPathsAndReportsBadRows) {
  const std::string dir = temp_dir("labels_csv");
  copy_jpeg("cds_001068a8", fs::path(dir) / "img" / "a.jpg");
  copy_jpeg("cds_00143901", fs::path(dir) / "img" / "b.jpg");
  const std::string csv = (fs::path(dir) / "labels.csv").string();
  write(csv, "\xEF\xBB\xBFid,filename,label\r\n1,img/a.jpg,Tshirts\r\n2,img/b.jpg,shirts\r\n");
  const LabelMap labels = clothing_labels();
  const Dataset ds = read_dataset(Format::kLabelsCsv, csv, {&labels});
  ASSERT_EQ(ds.size(), 2u);
  EXPECT_EQ(ds[1].image_label_id, 3);  // case-insensitive, as box labels
  EXPECT_EQ(fs::path(ds[0].image_path), fs::path(dir) / "img" / "a.jpg");
  write(fs::path(dir) / "val.txt", "b\n");
  EXPECT_EQ(read_dataset(Format::kLabelsCsv, csv + ":val", {&labels}).size(), 1u);

  auto error_of = [&](const std::string& text) {
    write(csv, text);
    return tailor::testing::user_error_of(
        [&] { read_dataset(Format::kLabelsCsv, csv, {&labels}); });
  };
  EXPECT_NE(error_of("image,category\nimg/a.jpg,Tops\nimg/c.jpg,Tops\n")
                .find("labels.csv: line 3: image "),
            std::string::npos);
  EXPECT_NE(error_of("path,label\nimg/a.jpg,Tops\nimg/a.jpg,Tops\n")
                .find("labels.csv: line 3: stem 'a' appears twice (first at "),
            std::string::npos);
  EXPECT_NE(error_of("path,label\nimg/a.jpg,Hats\n")
                .find("labels.csv: line 2: class 'Hats' is not in the label map"),
            std::string::npos);
  EXPECT_NE(error_of("path,kind\nimg/a.jpg,Tops\n")
                .find("labels.csv: line 1: header lacks a label column (label, class or category)"),
            std::string::npos);
  EXPECT_NE(error_of("path,label\nimg/a.jpg\n").find("labels.csv: line 2: missing column 'label'"),
            std::string::npos);
}

TEST(ImageLevelFormats, ConvertBetweenThemAndRefuseWhatTheyCannotHold) {
  const LabelMap labels = clothing_labels();
  const std::string src = small_catalog("convert", kGoodCsv);
  const Dataset ds = read_dataset(Format::kCatalog, src, {&labels});
  const std::string out = temp_dir("convert_out");
  write_dataset(Format::kImageFolder, out + "/folder", ds);
  const Dataset folder = read_dataset(Format::kImageFolder, out + "/folder", {&labels});
  write_dataset(Format::kLabelsCsv, out + "/csv/labels.csv", folder);
  const Dataset csv = read_dataset(Format::kLabelsCsv, out + "/csv/labels.csv", {&labels});
  write_dataset(Format::kCatalog, out + "/catalog", csv);
  const Dataset back = read_dataset(Format::kCatalog, out + "/catalog", {&labels});
  ASSERT_EQ(back.size(), 3u);
  std::map<std::string, std::string> got, want;
  for (const Example& ex : back) got[ex.stem()] = ex.image_label;
  for (const Example& ex : ds) want[ex.stem()] = ex.image_label;
  EXPECT_EQ(got, want);
  for (const Example& ex : back)
    EXPECT_EQ(example_image_bytes(ex), example_image_bytes(ds[ex.stem() == "cds_001068a8"   ? 0
                                                              : ex.stem() == "cds_00143901" ? 1
                                                                                            : 2]));

  // Box sets become image-level when each image's boxes share one class.
  const Dataset dt = read_dataset(Format::kVoc, kData + "/dataturks_val:val", {&labels});
  write_dataset(Format::kCatalog, out + "/dt", dt, {&labels});
  EXPECT_EQ(per_class(read_dataset(Format::kCatalog, out + "/dt", {&labels})).at("Sunglasses"), 8);
  const Dataset ccp = read_dataset(Format::kVoc, kData + "/ccp:val", {&labels});
  EXPECT_NE(tailor::testing::user_error_of([&] {
              write_dataset(Format::kCatalog, out + "/ccp", ccp);
            }).find(" classes ("),
            std::string::npos);
  EXPECT_NE(tailor::testing::user_error_of([&] {
              write_dataset(Format::kVoc, out + "/voc", ds);
            }).find("tailor data autobox"),
            std::string::npos);
}

TEST(ImageLevelFormats, TheLoaderSkipsTheCropAndCarriesTheLabel) {
  const LabelMap labels = clothing_labels();
  const Dataset ds = read_dataset(Format::kCatalog, small_catalog("loader", kGoodCsv), {&labels});
  LoaderOptions lo;
  lo.batch_size = 3;
  lo.height = lo.width = 64;
  lo.threads = 1;
  lo.shuffle = false;
  lo.repeat = false;
  lo.augmentation = {{"ssd_random_crop", {}}};
  lo.labels = &labels;
  Loader with_crop(ds, lo);
  lo.augmentation.clear();
  Loader without(ds, lo);
  Batch a, b;
  ASSERT_TRUE(with_crop.next(&a));
  ASSERT_TRUE(without.next(&b));
  EXPECT_EQ(a.image_labels, (std::vector<int>{9, 3, 4}));
  EXPECT_EQ(a.images.to_vector(), b.images.to_vector());  // the crop was skipped
  EXPECT_EQ(a.num_boxes.to_vector_i32(), (std::vector<int32_t>{0, 0, 0}));
}
