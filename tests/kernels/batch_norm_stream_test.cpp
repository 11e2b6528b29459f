// Batch norm's normalizing pass on outputs large enough for streaming stores (16 MiB and up)
// against the plain pass on the same rows in slices below that size, bit for bit at every SIMD
// level: the choice of stores must not change a value. The buffers start one float past an
// aligned address (an unaligned head), the channel counts need a repeat period longer than one
// vector (24 and 30 channels at 16 lanes), and x holds NaN, infinities and -0 for the clamp.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "kernels/cpu/batch_norm.h"
#include "kernels/cpu/simd_dispatch.h"
#include "tests/kernels/kernel_test_util.h"

namespace tailor {
namespace {

namespace k = kernels::cpu;
using testing::random_floats;

TEST(BatchNormStream, LargeOutputsMatchThePlainPassBitForBit) {
  constexpr int64_t kFloats = (int64_t(16) << 20) / 4 + 4096;  // just over the streaming size
  for (SimdLevel level : testing::runnable_simd_levels()) {
    k::ScopedKernelSimdLevel pin(level);
    for (int64_t C : {24, 30, 384}) {
      const int64_t rows = kFloats / C + 1;
      std::mt19937 rng(static_cast<unsigned>(C));
      std::vector<float> x = random_floats(rows * C + 1, rng, -8.f, 14.f);
      x[1] = std::numeric_limits<float>::quiet_NaN();
      x[2] = std::numeric_limits<float>::infinity();
      x[3] = -std::numeric_limits<float>::infinity();
      x[4] = -0.f;
      const std::vector<float> mean = random_floats(C, rng, -1.f, 1.f),
                               var = random_floats(C, rng, 0.f, 4.f),
                               gamma = random_floats(C, rng, -2.f, 2.f),
                               beta = random_floats(C, rng, -3.f, 3.f);
      for (bool relu6 : {false, true}) {
        const std::string what = "level " + std::to_string(static_cast<int>(level)) + ", C " +
                                 std::to_string(C) + (relu6 ? ", relu6" : "");
        std::vector<float> got(rows * C + 1), want(rows * C + 1);
        k::batch_norm_forward(rows, C, x.data() + 1, mean.data(), var.data(), gamma.data(),
                              beta.data(), 1e-3f, relu6, got.data() + 1);
        const int64_t slice = 1000;  // 96-1500 KiB: the plain stores
        for (int64_t r = 0; r < rows; r += slice)
          k::batch_norm_forward(std::min(slice, rows - r), C, x.data() + 1 + r * C, mean.data(),
                                var.data(), gamma.data(), beta.data(), 1e-3f, relu6,
                                want.data() + 1 + r * C);
        int64_t differ = 0, first = -1;
        for (size_t i = 1; i < got.size(); ++i)
          if (std::memcmp(&got[i], &want[i], sizeof(float)) != 0) {
            if (first < 0) first = static_cast<int64_t>(i) - 1;
            ++differ;
          }
        EXPECT_EQ(differ, 0) << what << ": first at element " << first << ", "
                             << (first >= 0 ? got[first + 1] : 0.f) << " against "
                             << (first >= 0 ? want[first + 1] : 0.f);
        if (relu6) EXPECT_EQ(got[1], 0.f) << what << ": NaN clamps to 0";
      }
    }
  }
}

}  // namespace
}  // namespace tailor
