#include "engine/ops/shape_ops.h"

#include <gtest/gtest.h>

#include "kernels/cpu/copy_rows.h"
#include "runtime/error.h"
#include "tests/support/grad_check.h"

namespace tailor {
namespace {

using testing::expect_gradients_match;
using testing::random_tensor;

// Naive concat: walks every output index and reads the input that owns it.
std::vector<float> naive_concat(const std::vector<Tensor>& xs, int64_t axis) {
  Shape out = xs[0].shape();
  out[axis] = 0;
  for (const Tensor& x : xs) out[axis] += x.size(axis);
  std::vector<float> y;
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < axis; ++i) outer *= out[i];
  for (size_t i = axis + 1; i < out.size(); ++i) inner *= out[i];
  for (int64_t o = 0; o < outer; ++o)
    for (const Tensor& x : xs) {
      const float* p = x.data<float>();
      for (int64_t j = 0; j < x.size(axis) * inner; ++j)
        y.push_back(p[o * x.size(axis) * inner + j]);
    }
  return y;
}

TEST(ShapeOps, ConcatMatchesNaiveOnEveryAxis) {
  std::mt19937 rng(21);
  for (int64_t axis = 0; axis < 4; ++axis) {
    Shape a{2, 3, 5, 7}, b = a, c = a;
    b[axis] = 1;
    c[axis] = 4;
    std::vector<Tensor> xs{random_tensor(a, rng), random_tensor(b, rng), random_tensor(c, rng)};
    Tensor y = ops::concat(xs, axis);
    EXPECT_EQ(y.size(axis), a[axis] + 5);
    EXPECT_EQ(y.to_vector(), naive_concat(xs, axis)) << "axis " << axis;
    EXPECT_EQ(ops::concat(xs, axis - 4).to_vector(), y.to_vector());  // negative axis
  }
}

TEST(ShapeOps, ConcatChannelsKnownValues) {
  Tensor a = Tensor::from_vector({1, 2, 3, 4}, {1, 2, 1, 2});
  Tensor b = Tensor::from_vector({9, 8}, {1, 2, 1, 1});
  EXPECT_EQ(ops::concat({a, b}, -1).to_vector(), (std::vector<float>{1, 2, 9, 3, 4, 8}));
  EXPECT_THROW(ops::concat({a, Tensor::zeros({1, 3, 1, 1})}, -1), ShapeError);
  EXPECT_THROW(ops::concat({a, b}, 4), ShapeError);
}

TEST(ShapeOps, ReshapeKeepsDataAndInfersOneDim) {
  Tensor x = Tensor::from_vector({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor y = ops::reshape(x, {3, -1});
  EXPECT_EQ(y.shape(), (Shape{3, 2}));
  EXPECT_EQ(y.to_vector(), x.to_vector());
  EXPECT_THROW(ops::reshape(x, {4, -1}), ShapeError);
  EXPECT_THROW(ops::reshape(x, {5}), ShapeError);
}

TEST(ShapeOps, GatherAndScatterMatchReference) {
  std::mt19937 rng(22);
  Tensor x = random_tensor({7, 5}, rng);
  std::vector<int32_t> idx{6, 0, 3, 3, 1};
  Tensor index = Tensor::from_vector_i32(idx, {5});
  std::vector<float> g(5 * 5);
  kernels::cpu::gather_rows_ref(5, 5, x.data<float>(), idx.data(), g.data());
  EXPECT_EQ(ops::gather_rows(x, index).to_vector(), g);
  Tensor src = random_tensor({5, 5}, rng);
  std::vector<float> s(7 * 5, 0.f);
  kernels::cpu::scatter_add_rows_ref(5, 5, src.data<float>(), idx.data(), s.data());
  EXPECT_EQ(ops::scatter_add_rows(src, index, 7).to_vector(), s);
  // Row 3 received two rows; row 2 none.
  EXPECT_FLOAT_EQ(s[3 * 5], src.to_vector()[2 * 5] + src.to_vector()[3 * 5]);
  EXPECT_EQ(s[2 * 5], 0.f);
}

TEST(ShapeOps, GatherAndScatterRejectOutOfRangeIndices) {
  Tensor x = Tensor::zeros({4, 2});
  try {
    ops::gather_rows(x, Tensor::from_vector_i32({0, 4}, {2}));
    FAIL() << "expected ShapeError";
  } catch (const ShapeError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("gather_rows"), std::string::npos) << m;
    EXPECT_NE(m.find("index[1] = 4"), std::string::npos) << m;
    EXPECT_NE(m.find("[4,2]"), std::string::npos) << m;
  }
  EXPECT_THROW(ops::gather_rows(x, Tensor::from_vector_i32({-1}, {1})), ShapeError);
  EXPECT_THROW(ops::scatter_add_rows(x, Tensor::from_vector_i32({0, 1, 2, 9}, {4}), 5), ShapeError);
  EXPECT_THROW(ops::scatter_add_rows(x, Tensor::from_vector_i32({0, 1}, {2}), 5), ShapeError);
  EXPECT_THROW(ops::gather_rows(x, Tensor::from_vector({0}, {1})), ShapeError);  // float index
}

TEST(ShapeOps, GradientsMatchFiniteDifferences) {
  std::mt19937 rng(23);
  Tensor a = random_tensor({2, 3, 2}, rng), b = random_tensor({2, 1, 2}, rng);
  expect_gradients_match([](const std::vector<Tensor>& t) { return ops::concat(t, 1); }, {a, b});
  expect_gradients_match(
      [](const std::vector<Tensor>& t) {
        return ops::reshape(t[0], {3, -1});
      },
      {a});
  Tensor index = Tensor::from_vector_i32({2, 0, 2, 1}, {4});
  Tensor x = random_tensor({3, 4}, rng);
  expect_gradients_match(
      [index](const std::vector<Tensor>& t) { return ops::gather_rows(t[0], index); }, {x});
  expect_gradients_match(
      [index](const std::vector<Tensor>& t) { return ops::scatter_add_rows(t[0], index, 5); },
      {random_tensor({4, 3}, rng)});
}

}  // namespace
}  // namespace tailor
