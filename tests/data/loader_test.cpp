// The batch loader: shapes, padding, determinism across thread counts, bad-example policy.
#include "data/loader.h"

#include <gtest/gtest.h>

#include <set>

#include "data/dataset_io.h"
#include "runtime/error.h"

using namespace tailor;
using namespace tailor::data;

namespace {
const std::string kData = std::string(TAILOR_SHARED_DIR) + "/data";

std::vector<Batch> run(const Dataset& ds, const LabelMap& labels, int threads, int batches) {
  LoaderOptions o;
  o.batch_size = 4;
  o.height = o.width = 64;
  o.max_boxes = 8;
  o.threads = threads;
  o.seed = 42;
  o.labels = &labels;
  o.augmentation = {{"random_horizontal_flip", {}}, {"ssd_random_crop", {}}};
  Loader loader(ds, o);
  std::vector<Batch> out;
  for (int i = 0; i < batches; ++i) {
    Batch b;
    EXPECT_TRUE(loader.next(&b));
    out.push_back(b);
  }
  return out;
}
}  // namespace

TEST(Loader, SameBatchesWhateverTheThreadCount) {
  LabelMap labels = LabelMap::load(kData + "/label_map.pbtxt");
  Dataset ds = read_dataset(Format::kVoc, kData + "/dataturks_val:val", {&labels});
  ds.resize(10);  // 3 batches of 4 cross an epoch boundary
  std::vector<Batch> one = run(ds, labels, 1, 4), three = run(ds, labels, 3, 4);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(one[i].images.shape(), (Shape{4, 64, 64, 3}));
    EXPECT_EQ(one[i].example_indices, three[i].example_indices);
    EXPECT_EQ(one[i].images.to_vector(), three[i].images.to_vector());
    EXPECT_EQ(one[i].boxes.to_vector(), three[i].boxes.to_vector());
    EXPECT_EQ(one[i].classes.to_vector_i32(), three[i].classes.to_vector_i32());
    EXPECT_EQ(one[i].num_boxes.to_vector_i32(), three[i].num_boxes.to_vector_i32());
  }
  // Each epoch visits every example once.
  std::vector<int> seen(10, 0);
  for (int i = 0; i < 10; ++i) ++seen[one[i / 4].example_indices[i % 4]];
  for (int s : seen) EXPECT_EQ(s, 1);
  // Padding: one box per Dataturks image at most, the rest zero.
  std::vector<int32_t> nb = one[0].num_boxes.to_vector_i32();
  std::vector<int32_t> cls = one[0].classes.to_vector_i32();
  for (int i = 0; i < 4; ++i) {
    EXPECT_LE(nb[i], 1);
    for (int j = nb[i]; j < 8; ++j) EXPECT_EQ(cls[i * 8 + j], 0);
  }
}

TEST(Loader, OnBadExampleFailOrSkip) {
  LabelMap labels = LabelMap::load(kData + "/label_map.pbtxt");
  Dataset ds = read_dataset(Format::kVoc, kData + "/dataturks_val:val", {&labels});
  ds.resize(4);
  ds[1].image_path = "/nonexistent/broken.jpg";
  LoaderOptions o;
  o.batch_size = 4;
  o.height = o.width = 32;
  o.repeat = false;
  o.shuffle = false;
  o.labels = &labels;
  {
    Loader loader(ds, o);
    Batch b;
    try {
      loader.next(&b);
      FAIL();
    } catch (const UserError& e) {
      EXPECT_NE(std::string(e.what()).find("broken.jpg"), std::string::npos) << e.what();
    }
  }
  o.on_bad_example = OnBadExample::kSkip;
  Loader loader(ds, o);
  Batch b;
  ASSERT_TRUE(loader.next(&b));
  EXPECT_EQ(b.size, 4);
  EXPECT_EQ(b.example_indices, (std::vector<int64_t>{0, 2, 2, 3}));
  EXPECT_EQ(loader.skipped(), 1);
  ASSERT_EQ(loader.bad_examples().size(), 1u);
  EXPECT_FALSE(loader.next(&b));
}

TEST(Loader, SampleWeightsRepeatImagesWithFreshAugmentation) {
  LabelMap labels = LabelMap::load(kData + "/label_map.pbtxt");
  Dataset ds = read_dataset(Format::kVoc, kData + "/dataturks_val:val", {&labels});
  ds.resize(6);
  LoaderOptions o;
  o.batch_size = 5;
  o.height = o.width = 32;
  o.seed = 1;
  o.labels = &labels;
  o.augmentation = {{"ssd_random_crop", {}}};
  o.sample_weights = {3.0, 1.0, 1.0, 1.0, 1.0, 1.0};  // image 0 three times per epoch
  auto first_batches = [&](int threads) {
    o.threads = threads;
    Loader loader(ds, o);
    EXPECT_EQ(loader.epoch_length(), 8);
    EXPECT_EQ(loader.num_batches(), 2);
    std::vector<Batch> out(4);  // two epochs of 8 samples, in batches of 5
    for (Batch& b : out) EXPECT_TRUE(loader.next(&b));
    return out;
  };
  std::vector<Batch> a = first_batches(1), b = first_batches(3);
  std::vector<int64_t> order;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].example_indices, b[i].example_indices);
    EXPECT_EQ(a[i].images.to_vector(), b[i].images.to_vector());
    order.insert(order.end(), a[i].example_indices.begin(), a[i].example_indices.end());
  }
  for (int epoch = 0; epoch < 2; ++epoch) {
    std::vector<int> seen(6, 0);
    for (int k = 0; k < 8; ++k) ++seen[order[epoch * 8 + k]];
    EXPECT_EQ(seen, (std::vector<int>{3, 1, 1, 1, 1, 1})) << "epoch " << epoch;
  }
  // The copies of image 0 draw their own crops (ssd_random_crop may keep the whole image, so
  // copies can match by chance; with seed 1 all three differ).
  std::set<std::vector<float>> copies;
  for (int k = 0; k < 8; ++k) {
    if (order[k] != 0) continue;
    std::vector<float> all = a[k / 5].images.to_vector();
    const size_t px = 32 * 32 * 3;
    copies.emplace(all.begin() + (k % 5) * px, all.begin() + (k % 5 + 1) * px);
  }
  EXPECT_EQ(copies.size(), 3u);

  o.repeat = false;
  EXPECT_THROW(Loader(ds, o), UserError);
  o.repeat = true;
  o.sample_weights = {1.0, 1.0};
  EXPECT_THROW(Loader(ds, o), UserError);
}
