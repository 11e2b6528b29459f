#include "pipeline/input/input_data.h"

#include <gtest/gtest.h>

#include "runtime/error.h"
#include "tests/support/user_error.h"
#include "tests/train/tiny_run.h"

namespace tailor::pipeline {
namespace {

InputConfig tiny_input(const std::string& dir) {
  testing::make_tiny_voc(dir, 6);      // Trousers, Shoes, Shoes, Shirts, Tops, Tops
  testing::make_tiny_catalog(dir, 8);  // 4 Jackets, 2 Shirts, 2 Tshirts
  InputConfig input;
  input.label_map = std::string(TAILOR_SHARED_DIR) + "/data/label_map.pbtxt";
  InputSource voc{dir + "/voc", {"train"}, data::Format::kVoc, "voc:train"};
  InputSource catalog{dir + "/catalog", {"train"}, data::Format::kCatalog, "catalog:train"};
  input.sources = {voc, catalog};
  return input;
}

// The UserError that loading `input` as train_input raises, or "no error".
std::string load_error(const InputConfig& input) {
  return testing::user_error_of([&] { load_input(input, "train_input"); });
}

// exclude_classes leaves out whole images: a box of the class (the VOC photo with Trousers)
// or the image label (the catalogue's Jackets), in that source only, and says how many.
TEST(InputData, ExcludeClassesLeavesOutWholeImagesOfThoseClasses) {
  InputConfig input = tiny_input(testing::tiny_scratch("exclude_classes"));
  InputData all = load_input(input, "train_input");
  ASSERT_EQ(all.sources.size(), 2u);
  EXPECT_EQ(all.sources[0].examples.size(), 6u);
  EXPECT_EQ(all.sources[1].examples.size(), 8u);
  EXPECT_EQ(all.sources[1].excluded, 0u);

  input.sources[0].exclude_classes = {"Trousers"};
  input.sources[1].exclude_classes = {"Jackets", "trousers"};  // case-insensitive, as id_of
  const InputData some = load_input(input, "train_input");
  ASSERT_EQ(some.sources[0].examples.size(), 5u);
  EXPECT_EQ(some.sources[0].excluded, 1u);
  for (const data::Example& ex : some.sources[0].examples)
    for (const data::Box& b : ex.boxes) EXPECT_NE(b.label, "Trousers") << ex.where();
  ASSERT_EQ(some.sources[1].examples.size(), 4u);
  EXPECT_EQ(some.sources[1].excluded, 4u);
  for (const data::Example& ex : some.sources[1].examples)
    EXPECT_NE(ex.image_label, "Jackets") << ex.where();
}

TEST(InputData, ExcludeClassesErrorsNameTheSourceAndClass) {
  InputConfig input = tiny_input(testing::tiny_scratch("exclude_classes_errors"));
  input.sources[1].exclude_classes = {"Hats"};
  std::string e = load_error(input);
  EXPECT_NE(e.find("train_input.paths: 'catalog:train': exclude_classes names 'Hats', which is "
                   "not in the label map"),
            std::string::npos)
      << e;
  input.sources[1].exclude_classes = {"Jackets", "Shirts", "Tshirts"};
  e = load_error(input);
  EXPECT_NE(e.find("holds no examples once exclude_classes left out 8"), std::string::npos) << e;
}

// ambiguous_classes becomes, per class id, the other classes of its group; other sources and
// classes have none.
TEST(InputData, AmbiguousClassesListEachClassesGroupByClassId) {
  InputConfig input = tiny_input(testing::tiny_scratch("ambiguous_classes"));
  input.sources[0].ambiguous_classes = {{"Jeans", "trousers"}, {"Shirts", "Tops", "Tshirts"}};
  const InputData data = load_input(input, "train_input");
  EXPECT_TRUE(data.sources[1].ambiguous.empty());
  const models::ClassAmbiguity& a = data.sources[0].ambiguous;
  ASSERT_EQ(a.size(), 10u);  // ids 0..9
  EXPECT_EQ(a[2], (std::vector<int>{8}));
  EXPECT_EQ(a[8], (std::vector<int>{2}));
  EXPECT_EQ(a[7], (std::vector<int>{3, 9}));
  for (int id : {0, 1, 4, 5, 6}) EXPECT_TRUE(a[id].empty()) << id;
  EXPECT_EQ(data.sources[0].examples.size(), 6u);  // no image is left out

  input.sources[0].ambiguous_classes = {{"Jeans", "Denim"}};
  const std::string e = load_error(input);
  EXPECT_NE(e.find("train_input.paths: 'voc:train': ambiguous_classes names 'Denim', which is not "
                   "in the label map"),
            std::string::npos)
      << e;
}

// include_stems keeps the images whose stem matches a pattern, before exclude_classes.
TEST(InputData, IncludeStemsKeepsTheMatchingStemsOnly) {
  InputConfig input = tiny_input(testing::tiny_scratch("include_stems"));
  input.sources[1].include_stems = {"cds_00[01]*", "cds_00b8048d"};
  InputData data = load_input(input, "train_input");
  ASSERT_EQ(data.sources[1].examples.size(), 3u);  // cds_001068a8, cds_00143901, cds_00b8048d
  EXPECT_EQ(data.sources[1].not_included, 5u);
  EXPECT_EQ(data.sources[1].examples[2].stem(), "cds_00b8048d");
  EXPECT_EQ(data.sources[0].not_included, 0u);

  input.sources[1].exclude_classes = {"Jackets"};  // cds_00b8048d
  data = load_input(input, "train_input");
  EXPECT_EQ(data.sources[1].examples.size(), 2u);
  EXPECT_EQ(data.sources[1].excluded, 1u);

  input.sources[1].include_stems = {"myntra_*"};
  const std::string e = load_error(input);
  EXPECT_NE(e.find("'catalog:train' (" + input.sources[1].path +
                   ") holds no examples matching include_stems (8 do not)"),
            std::string::npos)
      << e;
}

// labels_exhaustive is for image labels: a box-labelled source that sets it is an error that
// names the source and an example.
TEST(InputData, LabelsExhaustiveIsForImageLabelledSources) {
  InputConfig input = tiny_input(testing::tiny_scratch("labels_exhaustive"));
  input.sources[1].labels_exhaustive = true;
  const InputData data = load_input(input, "train_input");
  EXPECT_TRUE(data.sources[1].labels_exhaustive);
  EXPECT_FALSE(data.sources[0].labels_exhaustive);

  input.sources[0].labels_exhaustive = true;
  const std::string e = load_error(input);
  EXPECT_NE(e.find("train_input.paths: 'voc:train' sets labels_exhaustive, which only "
                   "image-labelled sources (catalog, imagefolder, labels_csv) can: "),
            std::string::npos)
      << e;
  EXPECT_NE(e.find(".xml has boxes"), std::string::npos) << e;
}

}  // namespace
}  // namespace tailor::pipeline
