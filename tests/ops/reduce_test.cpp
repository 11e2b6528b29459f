#include "engine/ops/reduce.h"

#include <gtest/gtest.h>

#include "kernels/cpu/reduce.h"
#include "runtime/thread_pool.h"
#include "tests/support/grad_check.h"

namespace tailor {
namespace {

namespace k = kernels::cpu;
using testing::expect_all_close;
using testing::expect_gradients_match;
using testing::random_tensor;

TEST(Reduce, SumAndMeanMatchReference) {
  std::mt19937 rng(5);
  for (const Shape& s : std::vector<Shape>{{1}, {17}, {3, 5, 7}, {100003}}) {
    Tensor x = random_tensor(s, rng);
    const double ref = k::sum_ref(x.numel(), x.data<float>());
    EXPECT_NEAR(ops::sum(x).item(), ref, 1e-5 * x.numel()) << shape_str(s);
    EXPECT_NEAR(ops::mean(x).item(), ref / x.numel(), 1e-5) << shape_str(s);
    EXPECT_EQ(ops::sum(x).dim(), 0);
  }
  EXPECT_FLOAT_EQ(ops::sum(Tensor::from_vector({1, 2, 3.5f}, {3})).item(), 6.5f);
  EXPECT_FLOAT_EQ(ops::mean(Tensor::from_vector({1, 2, 3, 6}, {2, 2})).item(), 3.f);
}

TEST(Reduce, SumDoesNotDependOnThreadCount) {
  std::mt19937 rng(6);
  Tensor x = random_tensor({300001}, rng);
  const float with_pool = ops::sum(x).item();
  const int threads = num_threads();
  set_num_threads(1);
  const float single = ops::sum(x).item();
  set_num_threads(threads);
  EXPECT_EQ(with_pool, single);
}

TEST(Reduce, SumLastDimMatchesReference) {
  std::mt19937 rng(7);
  for (const Shape& s : std::vector<Shape>{{5}, {3, 1}, {2, 7, 33}, {4, 1917, 10}}) {
    Tensor x = random_tensor(s, rng);
    const int64_t D = s.back(), rows = x.numel() / D;
    std::vector<float> ref(rows);
    k::sum_last_dim_ref(rows, D, x.data<float>(), ref.data());
    Tensor y = ops::sum_last_dim(x);
    EXPECT_EQ(y.shape(), Shape(s.begin(), s.end() - 1));
    expect_all_close(y.to_vector(), ref, 1e-5, 1e-5, "sum_last_dim");
  }
}

TEST(Reduce, SumRowsMatchesReference) {
  std::mt19937 rng(8);
  for (auto [rows, C] : std::vector<std::pair<int64_t, int64_t>>{{1, 1}, {257, 3}, {5000, 37}}) {
    Tensor x = random_tensor({rows, C}, rng);
    std::vector<float> ref(C), fast(C);
    k::sum_rows_ref(rows, C, x.data<float>(), ref.data());
    k::sum_rows(rows, C, x.data<float>(), fast.data());
    expect_all_close(fast, ref, 1e-3, 1e-5, "sum_rows");
  }
}

TEST(Reduce, GradientsMatchFiniteDifferences) {
  std::mt19937 rng(9);
  Tensor x = random_tensor({2, 3, 4}, rng);
  expect_gradients_match([](const std::vector<Tensor>& t) { return ops::sum(t[0]); }, {x});
  expect_gradients_match([](const std::vector<Tensor>& t) { return ops::mean(t[0]); }, {x});
  expect_gradients_match([](const std::vector<Tensor>& t) { return ops::sum_last_dim(t[0]); }, {x});
}

}  // namespace
}  // namespace tailor
