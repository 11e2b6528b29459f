// `tailor bench data` with the augmentations a recipe names: every batch is built through them,
// the report names them, and an unknown one is an error before any image is read.
#include "bench/data_bench.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "runtime/error.h"

namespace tailor::bench {
namespace {

DataBenchOptions small_run() {
  DataBenchOptions o;
  o.sources = {std::string(TAILOR_SHARED_DIR) + "/data/myntra:val"};
  o.threads = 1;
  o.batch_size = 3;
  o.batches = 2;
  o.both = false;
  return o;
}

TEST(DataBench, RunsTheNamedAugmentations) {
  if (!std::filesystem::exists(std::string(TAILOR_SHARED_DIR) + "/data/myntra"))
    GTEST_SKIP() << "shared/data/myntra missing";
  DataBenchOptions o = small_run();
  o.augmentation = {"random_horizontal_flip", "ssd_random_crop", "random_adjust_brightness",
                    "random_adjust_contrast", "random_adjust_saturation"};
  std::ostringstream out;
  const std::vector<DataBenchResult> r = run_data_bench(o, out);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].images, 6);
  EXPECT_GT(r[0].images_per_s, 0);
  EXPECT_NE(out.str().find("ssd_random_crop + random_adjust_brightness + random_adjust_contrast + "
                           "random_adjust_saturation"),
            std::string::npos)
      << out.str();
}

TEST(DataBench, UnknownAugmentationIsAnError) {
  if (!std::filesystem::exists(std::string(TAILOR_SHARED_DIR) + "/data/myntra"))
    GTEST_SKIP() << "shared/data/myntra missing";
  DataBenchOptions o = small_run();
  o.augmentation = {"random_horizontal_flip", "random_blur"};
  std::ostringstream out;
  try {
    run_data_bench(o, out);
    FAIL() << "no error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("'random_blur' is not supported"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace tailor::bench
