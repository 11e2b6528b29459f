// Training's sample weights: frequencies counted per source, and the log lines that say
// which classes are repeated.
#include "pipeline/input/sample_weights.h"

#include <gtest/gtest.h>

#include <cmath>

namespace tailor::pipeline {
namespace {

data::Example one_box(const std::string& cls) {
  data::Example ex;
  ex.source = cls + ".xml";
  ex.width = ex.height = 10;
  data::Box b;
  b.xmax = b.ymax = 5;
  b.label = cls;
  ex.boxes.push_back(b);
  return ex;
}

InputData two_sources() {
  InputData in;
  in.labels = data::LabelMap({{1, "Jackets", ""}, {2, "Shirts", ""}});
  // Street: jackets everywhere. Product: 1 jacket in 5. Together jackets are 5 of 9 images,
  // common; per source they are rare in the product photos.
  NamedDataset street{"street:train", {}}, product{"product:train", {}};
  for (int i = 0; i < 4; ++i) street.examples.push_back(one_box("Jackets"));
  product.examples.push_back(one_box("Jackets"));
  for (int i = 0; i < 4; ++i) product.examples.push_back(one_box("Shirts"));
  in.sources = {street, product};
  return in;
}

TEST(SampleWeights, CountsEachSourceOnItsOwn) {
  const SampleWeights w = sample_weights(two_sources(), 0.8);
  ASSERT_EQ(w.per_image.size(), 9u);
  for (int i = 0; i < 4; ++i) EXPECT_DOUBLE_EQ(w.per_image[i], 1.0);  // f = 1 in its source
  EXPECT_DOUBLE_EQ(w.per_image[4], 2.0);                              // sqrt(0.8 / 0.2)
  for (int i = 5; i < 9; ++i) EXPECT_DOUBLE_EQ(w.per_image[i], 1.0);  // f = 0.8
  EXPECT_EQ(w.report,
            "train: repeat-factor sampling (threshold 0.8): 10 samples per epoch from 9 images\n"
            "  street:train: no class below the threshold\n"
            "  product:train: Jackets x2.00 (1 of 5 images)\n");
}

TEST(SampleWeights, FactorsThatPrintAsOneAreNotListed) {
  // Shirts in 4 of 5 product images: sqrt(0.801 / 0.8) = 1.0006, printed x1.00.
  const SampleWeights w = sample_weights(two_sources(), 0.801);
  EXPECT_GT(w.per_image[5], 1.0);
  EXPECT_NE(w.report.find("  product:train: Jackets x2.00 (1 of 5 images)\n"), std::string::npos)
      << w.report;
}

TEST(SampleWeights, ThresholdZeroIsOff) {
  const SampleWeights w = sample_weights(two_sources(), 0);
  EXPECT_TRUE(w.per_image.empty());
  EXPECT_TRUE(w.report.empty());
}

TEST(SampleWeights, SourceWeightsScaleEveryImageOfTheirSource) {
  InputData in = two_sources();
  in.sources[1].weight = 0.5;
  const SampleWeights w = sample_weights(in, 0);
  ASSERT_EQ(w.per_image.size(), 9u);
  EXPECT_DOUBLE_EQ(w.per_image[0], 1.0);
  EXPECT_DOUBLE_EQ(w.per_image[8], 0.5);
  EXPECT_EQ(w.report,
            "train: source weights: 7 samples per epoch from 9 images\n"  // 4 + 2.5, rounded
            "  street:train: 4 images x1.00\n"
            "  product:train: 5 images x0.50\n");
  // With repeat factors, the two multiply.
  const SampleWeights both = sample_weights(in, 0.8);
  EXPECT_DOUBLE_EQ(both.per_image[4], 1.0);  // 2.0 x 0.5
  EXPECT_NE(both.report.find("repeat-factor sampling (threshold 0.8) and source weights"),
            std::string::npos);
  EXPECT_NE(both.report.find("Jackets x2.00 (1 of 5 images); source weight x0.50"),
            std::string::npos)
      << both.report;
}

TEST(SampleWeights, ImageLevelLabelsCountAsTheirClass) {
  InputData in = two_sources();
  data::Example tagged;
  tagged.source = "labels.csv: line 2";
  tagged.image_label = "Shirts";
  in.sources[0].examples.push_back(tagged);  // street: 4 jackets and 1 shirt
  const SampleWeights w = sample_weights(in, 0.8);
  EXPECT_DOUBLE_EQ(w.per_image[4], 2.0);  // sqrt(0.8 / 0.2)
}

}  // namespace
}  // namespace tailor::pipeline
