// The engine ops (engine/ops, engine/optim) on CUDA against the same ops on the CPU: forward
// values and every input gradient through autograd, on random inputs. The convolutions run
// once per implementation the process-wide selection can name. Skipped without a device.
#include <gtest/gtest.h>

#include <functional>

#include "engine/autograd.h"
#include "engine/ops/batch_norm.h"
#include "engine/ops/conv.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/losses.h"
#include "engine/ops/reduce.h"
#include "engine/ops/shape_ops.h"
#include "engine/optim/moving_average.h"
#include "engine/optim/rmsprop.h"
#include "kernels/cuda/conv_impl.h"
#include "tests/cuda/cuda_test_util.h"

namespace tailor {
namespace {

using kernels::cuda::ConvImpl;
using kernels::cuda::ConvImplSelection;
using testing::expect_close;
using testing::random_vector;

using OpFn = std::function<Tensor(const std::vector<Tensor>&)>;

struct Input {
  Shape shape;
  float lo = -1.f, hi = 1.f;
  bool grad = true;
};

// Runs `fn` on the CPU and on CUDA with the same random inputs, backpropagates the same random
// output weighting, and compares the outputs and the input gradients.
void check_op(const std::string& what, const std::vector<Input>& inputs, const OpFn& fn,
              float tol = 1e-4f, uint32_t seed = 1) {
  std::vector<Tensor> cpu, gpu;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Input& in = inputs[i];
    Tensor h = Tensor::from_vector(
        random_vector(shape_numel(in.shape), seed + 17 * uint32_t(i), in.lo, in.hi), in.shape);
    Tensor d = h.to(Device::cuda());
    if (in.grad) {
      h.set_requires_grad();
      d.set_requires_grad();
    }
    cpu.push_back(h);
    gpu.push_back(d);
  }
  Tensor yc = fn(cpu), yg = fn(gpu);
  ASSERT_TRUE(yg.device().is_cuda()) << what << ": the CUDA result is on " << yg.device().str();
  ASSERT_EQ(yc.shape(), yg.shape()) << what;
  expect_close(yg.to_vector(), yc.to_vector(), tol, what + " forward");
  Tensor w = Tensor::from_vector(random_vector(yc.numel(), seed + 999), yc.shape());
  ops::sum(ops::mul(yc, w)).backward();
  ops::sum(ops::mul(yg, w.to(Device::cuda()))).backward();
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].grad) continue;
    ASSERT_TRUE(cpu[i].grad().defined() && gpu[i].grad().defined()) << what << " input " << i;
    EXPECT_TRUE(gpu[i].grad().device().is_cuda()) << what << " input " << i;
    expect_close(gpu[i].grad().to_vector(), cpu[i].grad().to_vector(), tol,
                 what + " gradient of input " + std::to_string(i));
  }
}

// ---- convolutions, per implementation ---------------------------------------------------

struct ImplCase {
  ConvImpl depthwise, pointwise;
};

std::string impl_case_name(const ::testing::TestParamInfo<ImplCase>& info) {
  return std::string("dw_") + kernels::cuda::conv_impl_name(info.param.depthwise) + "_pw_" +
         kernels::cuda::conv_impl_name(info.param.pointwise);
}

class CudaConvOps : public ::testing::TestWithParam<ImplCase> {
 protected:
  void SetUp() override {
    saved_ = kernels::cuda::conv_impl_selection();
    kernels::cuda::set_conv_impl_selection({GetParam().depthwise, GetParam().pointwise});
  }
  void TearDown() override { kernels::cuda::set_conv_impl_selection(saved_); }
  ConvImplSelection saved_;
};

TEST_P(CudaConvOps, DepthwiseMatchesCpu) {
  TAILOR_REQUIRE_GPU();
  for (int64_t stride : {1, 2})
    for (int64_t c : {8, 13})
      check_op("depthwise s" + std::to_string(stride) + " C" + std::to_string(c),
               {{{2, 9, 11, c}}, {{3, 3, c, 1}}}, [stride](const std::vector<Tensor>& t) {
                 return ops::depthwise_conv2d(t[0], t[1], stride, ops::Padding::Same);
               });
}

TEST_P(CudaConvOps, PointwiseMatchesCpu) {
  TAILOR_REQUIRE_GPU();
  check_op("pointwise", {{{2, 7, 5, 24}}, {{1, 1, 24, 40}}},
           [](const std::vector<Tensor>& t) { return ops::pointwise_conv2d(t[0], t[1]); });
}

TEST_P(CudaConvOps, DenseConvMatchesCpu) {
  TAILOR_REQUIRE_GPU();
  for (int64_t stride : {1, 2})
    check_op("conv2d 3x3 s" + std::to_string(stride), {{{2, 9, 8, 3}}, {{3, 3, 3, 16}}},
             [stride](const std::vector<Tensor>& t) {
               return ops::conv2d(t[0], t[1], stride, ops::Padding::Same);
             });
  check_op(
      "conv2d 1x1 (pointwise route)", {{{1, 4, 4, 8}}, {{1, 1, 8, 6}}},
      [](const std::vector<Tensor>& t) { return ops::conv2d(t[0], t[1], 1, ops::Padding::Same); });
}

INSTANTIATE_TEST_SUITE_P(Impl, CudaConvOps,
                         ::testing::Values(ImplCase{ConvImpl::Handwritten, ConvImpl::Handwritten},
                                           ImplCase{ConvImpl::Cudnn, ConvImpl::Cublas},
                                           ImplCase{ConvImpl::Cudnn, ConvImpl::Cudnn},
                                           ImplCase{ConvImpl::Auto, ConvImpl::Auto}),
                         impl_case_name);

// ---- batch norm -------------------------------------------------------------------------

TEST(CudaEngineOps, BatchNormTrainMatchesCpuAndUpdatesMovingStatistics) {
  TAILOR_REQUIRE_GPU();
  const int64_t C = 12;
  Tensor mm_c = Tensor::from_vector(random_vector(C, 5), {C});
  Tensor mv_c = Tensor::from_vector(random_vector(C, 6, 0.5f, 1.5f), {C});
  Tensor mm_g = mm_c.to(Device::cuda()), mv_g = mv_c.to(Device::cuda());
  check_op("batch_norm_train", {{{2, 5, 6, C}, -2.f, 3.f}, {{C}, 0.5f, 2.f}, {{C}}},
           [&](const std::vector<Tensor>& t) {
             const bool gpu = t[0].device().is_cuda();
             return ops::batch_norm_train(t[0], t[1], t[2], gpu ? mm_g : mm_c, gpu ? mv_g : mv_c,
                                          0.997f, 1e-3f);
           });
  expect_close(mm_g.to_vector(), mm_c.to_vector(), 1e-5f, "moving_mean");
  expect_close(mv_g.to_vector(), mv_c.to_vector(), 1e-5f, "moving_variance");
}

TEST(CudaEngineOps, BatchNormTrainWithoutGammaMatchesCpu) {
  TAILOR_REQUIRE_GPU();
  const int64_t C = 5;
  Tensor mm_c = Tensor::zeros({C}), mv_c = Tensor::ones({C});
  Tensor mm_g = mm_c.to(Device::cuda()), mv_g = mv_c.to(Device::cuda());
  check_op("batch_norm_train scale=False", {{{3, 4, 4, C}}, {{C}}},
           [&](const std::vector<Tensor>& t) {
             const bool gpu = t[0].device().is_cuda();
             return ops::batch_norm_train(t[0], Tensor(), t[1], gpu ? mm_g : mm_c,
                                          gpu ? mv_g : mv_c, 0.9f, 1e-3f);
           });
}

TEST(CudaEngineOps, BatchNormInferMatchesCpu) {
  TAILOR_REQUIRE_GPU();
  const int64_t C = 7;
  Tensor mm = Tensor::from_vector(random_vector(C, 8), {C});
  Tensor mv = Tensor::from_vector(random_vector(C, 9, 0.5f, 1.5f), {C});
  Tensor mm_g = mm.to(Device::cuda()), mv_g = mv.to(Device::cuda());
  check_op("batch_norm_infer", {{{2, 3, 5, C}}, {{C}, 0.5f, 2.f}, {{C}}},
           [&](const std::vector<Tensor>& t) {
             const bool gpu = t[0].device().is_cuda();
             return ops::batch_norm_infer(t[0], t[1], t[2], gpu ? mm_g : mm, gpu ? mv_g : mv,
                                          1e-3f);
           });
}

TEST(CudaEngineOps, BatchNormWithFusedRelu6MatchesCpu) {
  TAILOR_REQUIRE_GPU();
  const int64_t C = 9;
  Tensor mm = Tensor::from_vector(random_vector(C, 10), {C});
  Tensor mv = Tensor::from_vector(random_vector(C, 11, 0.5f, 1.5f), {C});
  Tensor mm_g = mm.to(Device::cuda()), mv_g = mv.to(Device::cuda());
  for (bool training : {true, false})
    check_op(training ? "batch_norm_train+relu6" : "batch_norm_infer+relu6",
             {{{2, 6, 5, C}, -4.f, 9.f}, {{C}, 0.5f, 4.f}, {{C}}},
             [&](const std::vector<Tensor>& t) {
               const bool gpu = t[0].device().is_cuda();
               Tensor m = (gpu ? mm_g : mm).clone(), v = (gpu ? mv_g : mv).clone();
               return training ? ops::batch_norm_train(t[0], t[1], t[2], m, v, 0.9f, 1e-3f, true)
                               : ops::batch_norm_infer(t[0], t[1], t[2], m, v, 1e-3f, true);
             });
}

// ---- elementwise, losses, reductions, shapes --------------------------------------------

TEST(CudaEngineOps, ElementwiseMatchCpu) {
  TAILOR_REQUIRE_GPU();
  const Shape s{3, 5, 7};
  using V = const std::vector<Tensor>&;
  check_op("add", {{s}, {s}}, [](V t) { return ops::add(t[0], t[1]); });
  check_op("sub", {{s}, {s}}, [](V t) { return ops::sub(t[0], t[1]); });
  check_op("mul", {{s}, {s}}, [](V t) { return ops::mul(t[0], t[1]); });
  check_op("scale", {{s}}, [](V t) { return ops::scale(t[0], -2.5f); });
  check_op("add_scalar", {{s}}, [](V t) { return ops::add_scalar(t[0], 0.75f); });
  check_op("square", {{s}}, [](V t) { return ops::square(t[0]); });
  check_op("bias_add", {{s}, {{7}}}, [](V t) { return ops::bias_add(t[0], t[1]); });
  check_op("relu6", {{s, -3.f, 9.f}}, [](V t) { return ops::relu6(t[0]); });
  check_op("sigmoid", {{s, -6.f, 6.f}}, [](V t) { return ops::sigmoid(t[0]); });
}

TEST(CudaEngineOps, LossesMatchCpu) {
  TAILOR_REQUIRE_GPU();
  const Shape s{4, 33, 10};
  using V = const std::vector<Tensor>&;
  check_op("sigmoid_cross_entropy_with_logits", {{s, -8.f, 8.f}, {s, 0.f, 1.f, false}},
           [](V t) { return ops::sigmoid_cross_entropy_with_logits(t[0], t[1]); });
  check_op("smooth_l1", {{s, -3.f, 3.f}, {s, -1.f, 1.f, false}},
           [](V t) { return ops::smooth_l1(t[0], t[1]); });
  check_op(
      "l2_loss", {{s}}, [](V t) { return ops::l2_loss(t[0]); }, 1e-4f);
}

TEST(CudaEngineOps, ReductionsMatchCpu) {
  TAILOR_REQUIRE_GPU();
  using V = const std::vector<Tensor>&;
  // Large enough for the multi-block path of the device sum.
  check_op(
      "sum", {{{257, 129}}}, [](V t) { return ops::sum(t[0]); }, 1e-4f);
  check_op("mean", {{{33, 65}}}, [](V t) { return ops::mean(t[0]); });
  check_op("sum_last_dim", {{{4, 50, 11}}}, [](V t) { return ops::sum_last_dim(t[0]); });
}

TEST(CudaEngineOps, ShapeOpsMatchCpu) {
  TAILOR_REQUIRE_GPU();
  using V = const std::vector<Tensor>&;
  check_op("reshape", {{{2, 3, 4, 6}}}, [](V t) { return ops::reshape(t[0], {2, -1, 6}); });
  check_op("concat axis 1", {{{2, 3, 4}}, {{2, 5, 4}}, {{2, 1, 4}}}, [](V t) {
    return ops::concat({t[0], t[1], t[2]}, 1);
  });
  check_op("concat axis -1", {{{2, 3, 4}}, {{2, 3, 2}}}, [](V t) {
    return ops::concat({t[0], t[1]}, -1);
  });
  const Tensor index = Tensor::from_vector_i32({3, 0, 3, 1, 4}, {5});
  check_op("gather_rows", {{{6, 5}}}, [&](V t) { return ops::gather_rows(t[0], index); });
  check_op("scatter_add_rows", {{{5, 3}}},
           [&](V t) { return ops::scatter_add_rows(t[0], index, 7); });
}

TEST(CudaEngineOps, MixedDevicesAreRejected) {
  TAILOR_REQUIRE_GPU();
  Tensor a = Tensor::ones({4}), b = Tensor::ones({4}, Device::cuda());
  EXPECT_THROW(ops::add(a, b), DeviceError);
}

// ---- optimizer + EMA ---------------------------------------------------------------------

TEST(CudaEngineOps, RmsPropAndEmaMatchCpuOverSteps) {
  TAILOR_REQUIRE_GPU();
  auto make = [](Device d) {
    ParameterSet params;
    params.add("w", Tensor::from_vector(random_vector(300, 3), {30, 10}).to(d), true, true);
    params.add("b", Tensor::from_vector(random_vector(10, 4), {10}).to(d), true, false);
    return params;
  };
  ParameterSet pc = make(Device::cpu()), pg = make(Device::cuda());
  optim::RMSProp oc({0.9f, 0.9f, 1.f}), og({0.9f, 0.9f, 1.f});
  optim::ExponentialMovingAverage ec(0.99f), eg(0.99f);
  ec.initialize(pc);
  eg.initialize(pg);
  for (int step = 0; step < 3; ++step) {
    for (size_t i = 0; i < pc.all().size(); ++i) {
      const Tensor g =
          Tensor::from_vector(random_vector(pc.all()[i].value.numel(), 50 + 7 * step + uint32_t(i)),
                              pc.all()[i].value.shape());
      pc.all()[i].value.set_grad(g);
      pg.all()[i].value.set_grad(g.to(Device::cuda()));
    }
    oc.apply(pc, 0.01f);
    og.apply(pg, 0.01f);
    ec.apply(pc, step);
    eg.apply(pg, step);
  }
  for (size_t i = 0; i < pc.all().size(); ++i) {
    const std::string& name = pc.all()[i].name;
    EXPECT_TRUE(pg.all()[i].value.device().is_cuda());
    expect_close(pg.all()[i].value.to_vector(), pc.all()[i].value.to_vector(), 1e-5f, name);
    for (const std::string& slot :
         {optim::RMSProp::ms_slot_name(name), optim::RMSProp::mom_slot_name(name)}) {
      EXPECT_TRUE(og.slots().find(slot).device().is_cuda()) << slot;
      expect_close(og.slots().find(slot).to_vector(), oc.slots().find(slot).to_vector(), 1e-5f,
                   slot);
    }
    const std::string shadow = optim::ExponentialMovingAverage::slot_name(name);
    EXPECT_TRUE(eg.slots().find(shadow).device().is_cuda()) << shadow;
    expect_close(eg.slots().find(shadow).to_vector(), ec.slots().find(shadow).to_vector(), 1e-5f,
                 shadow);
  }
}

}  // namespace
}  // namespace tailor
