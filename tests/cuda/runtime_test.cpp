// The CUDA runtime pieces: implementation names, the no-device error, the caching allocator,
// copies on Tailor's stream, CUDA-graph capture and replay, and status errors naming the call.
#include <gtest/gtest.h>

#include "kernels/cuda/conv_impl.h"
#include "runtime/allocator.h"
#include "runtime/error.h"
#include "tests/cuda/cuda_test_util.h"

namespace tailor {
namespace {

using kernels::cuda::ConvImpl;

TEST(ConvImplNames, ParseEveryNameAndRejectOthers) {
  for (ConvImpl i : {ConvImpl::Handwritten, ConvImpl::Cudnn, ConvImpl::Cublas, ConvImpl::Auto})
    EXPECT_EQ(kernels::cuda::parse_conv_impl(kernels::cuda::conv_impl_name(i)), i);
  try {
    kernels::cuda::parse_conv_impl("cutlass", "conv_impl.depthwise");
    FAIL() << "expected UserError";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("conv_impl.depthwise"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("cutlass"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(kernels::cuda::depthwise_supports(ConvImpl::Cublas));
}

// Runs where there is no GPU: selecting cuda must fail with the reason, and CPU keeps working.
TEST(CudaDevice, SelectingCudaWithoutADeviceNamesTheReason) {
  std::string reason;
  if (cuda_available(&reason))
    GTEST_SKIP() << "a CUDA device is present; this checks the no-device path";
  EXPECT_FALSE(reason.empty());
  try {
    Tensor::zeros({4}, DType::Float32, Device::cuda());
    FAIL() << "expected DeviceError";
  } catch (const DeviceError& e) {
    EXPECT_EQ(std::string(e.what()), "no CUDA device: " + reason);
  }
  EXPECT_THROW(require_cuda(), DeviceError);
  EXPECT_EQ(Tensor::full({2}, 3.f).to_vector(), (std::vector<float>{3.f, 3.f}));
}

}  // namespace
}  // namespace tailor

#ifdef TAILOR_WITH_CUDA
#include <cuda_runtime_api.h>

#include "kernels/cuda/elementwise.h"
#include "kernels/cuda/library_handles.h"
#include "kernels/cuda/sgemm.h"
#include "runtime/cuda/caching_allocator.h"
#include "runtime/cuda/cuda_check.h"
#include "runtime/cuda/stream.h"

namespace tailor {
namespace {

TEST(CudaAllocator, ReusesFreedBlocksAndTracksPeak) {
  TAILOR_REQUIRE_GPU();
  Allocator& a = allocator_for(Device::cuda());
  a.reset_peak();
  const size_t base = a.current_bytes();
  void* p = a.allocate(1000000);
  void* q = a.allocate(3000);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 512, 0u);
  EXPECT_EQ(a.current_bytes(), base + 1003000);
  a.deallocate(p, 1000000);
  const auto before = cuda::allocator_stats(0);
  void* r = a.allocate(999000);  // same rounded size: the cached block comes back
  EXPECT_EQ(r, p);
  const auto after = cuda::allocator_stats(0);
  EXPECT_EQ(after.cuda_mallocs, before.cuda_mallocs);
  EXPECT_EQ(after.cache_hits, before.cache_hits + 1);
  EXPECT_EQ(a.peak_bytes(), base + 1003000);
  a.deallocate(r, 999000);
  a.deallocate(q, 3000);
  EXPECT_EQ(a.current_bytes(), base);
}

TEST(CudaStream, CopiesRoundTripThroughTheTailorStream) {
  TAILOR_REQUIRE_GPU();
  const auto v = testing::random_vector(12345, 5);
  Tensor g = testing::to_gpu(v);
  Tensor h = g.clone();  // device-to-device on the stream
  EXPECT_EQ(h.device(), Device::cuda());
  EXPECT_EQ(h.to_vector(), v);
  Tensor z = Tensor::zeros({5}, DType::Float32, Device::cuda());
  EXPECT_EQ(z.to_vector(), std::vector<float>(5, 0.f));
}

TEST(CudaErrors, StatusFailuresNameTheCallAndTheShape) {
  TAILOR_REQUIRE_GPU();
  try {
    // A negative leading dimension is rejected by cuBLAS with CUBLAS_STATUS_INVALID_VALUE.
    kernels::cuda::sgemm_cublas(false, false, 4, 4, 4, 1.f, nullptr, -1, nullptr, 4, 0.f, nullptr,
                                4);
    FAIL() << "expected DeviceError";
  } catch (const DeviceError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("cublasSgemm([4,4,4] nn) failed: CUBLAS_STATUS_INVALID_VALUE"),
              std::string::npos)
        << m;
  }
  int before = -1;
  ASSERT_EQ(cudaGetDevice(&before), cudaSuccess);
  try {
    TAILOR_CUDA_CHECK(cudaSetDevice(4096), "a test device");
    FAIL() << "expected DeviceError";
  } catch (const DeviceError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(
                  "cudaSetDevice(a test device) failed: cudaErrorInvalidDevice", 0),
              0u)
        << e.what();
  }
  int after = -1;
  ASSERT_EQ(cudaGetDevice(&after), cudaSuccess);
  EXPECT_EQ(after, before);
}

}  // namespace
}  // namespace tailor
#endif
