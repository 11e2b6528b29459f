#include "engine/tensor.h"

#include <gtest/gtest.h>

#include <cstdint>

#include "runtime/allocator.h"
#include "runtime/error.h"

namespace tailor {

TEST(Tensor, ContiguousStridesAndAlignment) {
  Tensor t = Tensor::zeros({2, 3, 5, 7});
  EXPECT_EQ(t.strides(), (Shape{105, 35, 7, 1}));
  EXPECT_TRUE(t.is_contiguous());
  EXPECT_EQ(reinterpret_cast<uintptr_t>(t.raw_data()) % kCpuAlignment, 0u);
  EXPECT_EQ(t.numel(), 210);
}

TEST(Tensor, SliceIsAViewAndContiguousPacks) {
  std::vector<float> v(24);
  for (int i = 0; i < 24; ++i) v[i] = static_cast<float>(i);
  Tensor t = Tensor::from_vector(v, {2, 3, 4});
  Tensor s = t.slice(2, 1, 3);  // [2,3,2]
  EXPECT_FALSE(s.is_contiguous());
  EXPECT_EQ(s.to_vector(), (std::vector<float>{1, 2, 5, 6, 9, 10, 13, 14, 17, 18, 21, 22}));
  s.contiguous().data<float>()[0] = 100;  // a copy: t is untouched
  EXPECT_EQ(t.to_vector()[1], 1.f);
  Tensor sel = t.select(0, 1);
  EXPECT_EQ(sel.shape(), (Shape{3, 4}));
  EXPECT_EQ(sel.to_vector()[0], 12.f);
}

TEST(Tensor, ViewInfersOneDimension) {
  Tensor t = Tensor::zeros({4, 6});
  EXPECT_EQ(t.view({-1, 3}).shape(), (Shape{8, 3}));
  EXPECT_THROW(t.view({5, -1}), ShapeError);
}

TEST(Tensor, IntegerStorage) {
  Tensor t = Tensor::zeros({3}, DType::Int64);
  EXPECT_EQ(t.nbytes(), 24u);
  EXPECT_THROW(t.data<float>(), UserError);
  Tensor u = Tensor::zeros({5}, DType::UInt8);
  EXPECT_EQ(u.nbytes(), 5u);
}

TEST(Tensor, CudaWithoutDeviceIsAClearError) {
  std::string reason;
  if (cuda_available(&reason)) GTEST_SKIP() << "a GPU is present";
  try {
    Tensor::zeros({2}, DType::Float32, Device::cuda());
    FAIL() << "expected DeviceError";
  } catch (const DeviceError& e) {
    EXPECT_NE(std::string(e.what()).find("no CUDA device"), std::string::npos) << e.what();
  }
}

TEST(Allocator, TracksPeakBytes) {
  Allocator& a = cpu_allocator();
  a.reset_peak();
  size_t before = a.current_bytes();
  {
    Tensor t = Tensor::empty({1024});
    EXPECT_GE(a.peak_bytes(), before + 4096);
  }
  EXPECT_EQ(a.current_bytes(), before);
}

}  // namespace tailor
