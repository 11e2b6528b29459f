#include "engine/ops/conv_batch_norm.h"

#include <cmath>
#include <vector>

#include "engine/autograd.h"
#include "engine/ops/batch_norm.h"
#include "engine/ops/conv.h"
#include "engine/ops/conv_launch.h"
#include "engine/ops/op_support.h"
#include "kernels/cpu/batch_norm.h"

namespace tailor::ops {

namespace {

using detail::ConvGeometry;
using detail::ConvKind;
using detail::ConvPass;

// Per output channel: inv = rsqrt(var + eps), scale = gamma * inv (TF's scaling factor), bias =
// beta - mean * scale, and the mean dgamma needs. Copies: the moving tensors may change after
// the forward.
struct FoldedNorm {
  std::vector<float> inv, scale, bias, mean;
};

FoldedNorm fold(int64_t C, const float* gamma, const float* beta, const float* mean,
                const float* var, float epsilon) {
  FoldedNorm f{std::vector<float>(C), std::vector<float>(C), std::vector<float>(C),
               std::vector<float>(mean, mean + C)};
  for (int64_t c = 0; c < C; ++c) {
    f.inv[c] = 1.f / std::sqrt(var[c] + epsilon);
    f.scale[c] = gamma ? f.inv[c] * gamma[c] : f.inv[c];
    f.bias[c] = (beta ? beta[c] : 0.f) - mean[c] * f.scale[c];
  }
  return f;
}

// A [C] float32 CPU vector matching the output channels; an undefined optional one passes.
Tensor channel_vector(const char* op, const char* what, const Tensor& v, int64_t C, bool optional) {
  if (optional && !v.defined()) return Tensor();
  Tensor vc = detail::cpu_float(op, what, v);
  TAILOR_CHECK(v.dim() == 1 && v.size(0) == C, ShapeError, op, ": ", what, " ",
               shape_str(v.shape()), " does not match the ", C, " output channels");
  return vc;
}

const float* ptr(const Tensor& t) {
  return t.defined() ? t.data<float>() : nullptr;
}

// w times scale per output channel. In HWIO the output channel is the last axis; a depthwise
// kernel [kh,kw,C,1] has its channel there too: either way element i is channel i % C.
Tensor scale_channels(const Tensor& w, const std::vector<float>& scale) {
  Tensor out = Tensor::empty(w.shape());
  const int64_t C = static_cast<int64_t>(scale.size()), n = w.numel();
  const float* src = w.data<float>();
  float* dst = out.data<float>();
  for (int64_t i = 0; i < n; i += C)
    for (int64_t c = 0; c < C; ++c) dst[i + c] = src[i + c] * scale[c];
  return out;
}

// dgamma[c] = inv[c] * (sum_rows dy * conv(x, w) - mean[c] * dbeta[c]), where the sum over rows
// is sum_k w[k,c] * G[k,c] with G = the filter gradient for dy (conv is linear in w).
Tensor gamma_gradient(const Tensor& w, const Tensor& filter_grad, const FoldedNorm& f,
                      const std::vector<float>& dbeta) {
  const int64_t C = static_cast<int64_t>(dbeta.size()), n = w.numel();
  std::vector<double> dot(C, 0.0);
  const float *pw = w.data<float>(), *pg = filter_grad.data<float>();
  for (int64_t i = 0; i < n; i += C)
    for (int64_t c = 0; c < C; ++c) dot[c] += double(pw[i + c]) * pg[i + c];
  Tensor dgamma = Tensor::empty({C});
  float* out = dgamma.data<float>();
  for (int64_t c = 0; c < C; ++c)
    out[c] = static_cast<float>((dot[c] - double(f.mean[c]) * dbeta[c]) * f.inv[c]);
  return dgamma;
}

}  // namespace

Tensor conv_batch_norm_relu6(const Tensor& x, const Tensor& w, bool depthwise, int64_t stride,
                             kernels::Padding padding, const Tensor& gamma, const Tensor& beta,
                             const Tensor& moving_mean, const Tensor& moving_variance,
                             float epsilon) {
  const char* op = "conv_batch_norm_relu6";
  const ConvKind kind = depthwise ? ConvKind::Depthwise : detail::dense_kind(w, stride);
  const ConvGeometry g = detail::check_and_plan(op, kind, x, w, stride, padding);
  if (!x.device().is_cpu()) {
    // The two ops (their CUDA kernels) one after the other.
    Tensor y = depthwise ? depthwise_conv2d(x, w, stride, padding) : conv2d(x, w, stride, padding);
    return batch_norm_infer(y, gamma, beta, moving_mean, moving_variance, epsilon, true);
  }
  const int64_t C = g.out_c;
  Tensor gc = channel_vector(op, "gamma", gamma, C, true);
  Tensor bc = channel_vector(op, "beta", beta, C, true);
  Tensor mc = channel_vector(op, "moving_mean", moving_mean, C, false);
  Tensor vc = channel_vector(op, "moving_variance", moving_variance, C, false);
  Tensor xc = detail::cpu_float(op, "input", x), wc = detail::cpu_float(op, "weights", w);
  const FoldedNorm f = fold(C, ptr(gc), ptr(bc), mc.data<float>(), vc.data<float>(), epsilon);

  const Tensor scaled_w = scale_channels(wc, f.scale);
  Tensor out = Tensor::empty({g.batch, g.out_h, g.out_w, C});
  detail::conv_forward_cpu(kind, g, xc.data<float>(), scaled_w.data<float>(), out.data<float>(),
                           {f.bias.data(), /*relu6=*/true});

  if (!records_history({x, w, gamma, beta})) return out;
  // dx needs the scaled weights; dw and dgamma the input; dgamma the weights as they were.
  const bool gamma_grad = gamma.defined() && gamma.requires_grad();
  const bool filter_grad = w.requires_grad() || gamma_grad;
  Tensor saved_x = filter_grad ? xc.detach() : Tensor();
  Tensor saved_scaled_w = x.requires_grad() ? scaled_w : Tensor();
  Tensor saved_w = gamma_grad ? wc.detach() : Tensor();
  Tensor saved_out = out.detach();
  const Shape x_shape = x.shape(), w_shape = w.shape();
  return record_op(
      out, op, {x, w, gamma, beta}, [=](const Tensor& grad, const std::vector<bool>& needs) {
        Tensor dz = detail::cpu_float(op, "gradient", grad);
        detail::same_shape(op, dz, saved_out);
        // The gradient at the normalized map: relu6's mask, whose column sums are dbeta. The
        // convolution with the scaled weights then carries the normalization's scale.
        Tensor dy = Tensor::empty(dz.shape());
        std::vector<float> dbeta(C);
        kernels::cpu::relu6_backward_sums(dz.numel() / C, C, saved_out.data<float>(),
                                          dz.data<float>(), dy.data<float>(), dbeta.data());
        Tensor dx, dw, dgamma, dbeta_t;
        if (needs[0]) {
          dx = Tensor::empty(x_shape);
          detail::launch_conv(op, kind, ConvPass::BackwardInput, g, dy, saved_scaled_w, dx);
        }
        if (needs[1] || needs[2]) {
          Tensor gw = Tensor::empty(w_shape);
          detail::launch_conv(op, kind, ConvPass::BackwardFilter, g, saved_x, dy, gw);
          if (needs[2]) dgamma = gamma_gradient(saved_w, gw, f, dbeta);
          if (needs[1]) dw = scale_channels(gw, f.scale);
        }
        if (needs[3]) dbeta_t = Tensor::from_vector(dbeta, {C});
        return std::vector<Tensor>{dx, dw, dgamma, dbeta_t};
      });
}

}  // namespace tailor::ops
