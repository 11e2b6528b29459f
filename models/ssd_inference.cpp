#include "models/ssd_inference.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <map>

#include "engine/autograd.h"
#include "kernels/cpu/blocked_conv.h"
#include "kernels/cpu/conv2d.h"
#include "kernels/cpu/depthwise_conv.h"
#include "kernels/cpu/depthwise_pointwise.h"
#include "runtime/error.h"
#include "runtime/thread_pool.h"

namespace tailor::models {

namespace {

std::vector<float> values_of(const ParameterSet& params, const std::string& name) {
  return params.at(name).value.to(Device::cpu()).contiguous().to_vector();
}

bool is_box_predictor(const LayerSpec& l) {
  return l.kind == LayerKind::Predictor &&
         l.scope.find("BoxEncodingPredictor") != std::string::npos;
}

}  // namespace

FoldedSsd fold_batch_norm(const SsdModel& model) {
  NoGradGuard no_grad;
  FoldedSsd f;
  f.config = model.config();
  f.arch = model.architecture();
  const ParameterSet& params = model.params();
  // Each layer's variables by role, under their TF names.
  std::vector<std::map<ParamRole, std::string>> names(f.arch.layers.size());
  for (const ParamSpec& p : parameter_specs(f.arch)) names[p.layer][p.role] = p.name;
  for (size_t li = 0; li < f.arch.layers.size(); ++li) {
    const LayerSpec& l = f.arch.layers[li];
    auto role = [&](ParamRole r) { return values_of(params, names[li].at(r)); };
    FoldedLayer fl;
    fl.spec = l;
    fl.weights = role(ParamRole::Weights);
    const int out = l.out_channels;
    if (!l.batch_norm) {
      fl.bias = role(ParamRole::Biases);
      fl.relu6 = false;
    } else {
      // y = (conv - mean) * gamma / sqrt(var + eps) + beta, as the BN kernel computes it.
      const std::vector<float> mean = role(ParamRole::MovingMean);
      const std::vector<float> var = role(ParamRole::MovingVariance);
      const std::vector<float> beta = role(ParamRole::Beta);
      std::vector<float> gamma(out, 1.f);
      if (names[li].count(ParamRole::Gamma)) gamma = role(ParamRole::Gamma);
      std::vector<float> scale(out);
      for (int c = 0; c < out; ++c)
        scale[c] = gamma[c] * (1.f / std::sqrt(var[c] + f.config.batch_norm_epsilon));
      // HWIO: the output channel is the fastest index (depthwise: the channel, multiplier 1).
      for (size_t i = 0; i < fl.weights.size(); ++i) fl.weights[i] *= scale[i % out];
      fl.bias.resize(out);
      for (int c = 0; c < out; ++c) fl.bias[c] = beta[c] - mean[c] * scale[c];
    }
    TAILOR_CHECK(fl.bias.size() == size_t(out), ShapeError, l.scope, ": ", fl.bias.size(),
                 " biases for ", out, " channels");
    f.layers.push_back(std::move(fl));
  }
  return f;
}

SsdInference::SsdInference(const SsdModel& model, InferenceOptions options)
    : folded_(fold_batch_norm(model)), options_(options), anchors_(model.anchor_boxes()) {
  const auto& layers = folded_.layers;
  packed_.resize(layers.size());
  blocked_.resize(layers.size());
  pair_bias_.resize(layers.size());
  pair_of_.assign(layers.size(), -1);
  for (size_t i = 0; i < layers.size(); ++i) {
    const LayerSpec& l = layers[i].spec;
    if (l.kind == LayerKind::Depthwise || is_box_predictor(l)) continue;
    if (l.kind == LayerKind::Predictor) {
      // The class predictor and the box predictor of the same feature map run as one GEMM:
      // [C, 4k] and [C, (C1)k] side by side, box columns first.
      int box = -1;
      for (size_t j = 0; j < layers.size(); ++j)
        if (is_box_predictor(layers[j].spec) && layers[j].spec.input == l.input) box = int(j);
      TAILOR_CHECK(box >= 0, ShapeError, l.scope, ": no box predictor beside it");
      const int C = l.in_channels, nb = layers[box].spec.out_channels, nc = l.out_channels;
      std::vector<float> w(size_t(C) * (nb + nc));
      for (int c = 0; c < C; ++c) {
        std::copy_n(&layers[box].weights[size_t(c) * nb], nb, &w[size_t(c) * (nb + nc)]);
        std::copy_n(&layers[i].weights[size_t(c) * nc], nc, &w[size_t(c) * (nb + nc) + nb]);
      }
      pair_bias_[i] = layers[box].bias;
      pair_bias_[i].insert(pair_bias_[i].end(), layers[i].bias.begin(), layers[i].bias.end());
      pair_of_[i] = box;
      // Each weight set is packed once, for the kernel that runs it.
      if (options_.blocked_layout)
        blocked_[i] = kernels::cpu::BlockedWeights(w.data(), pair_bias_[i].data(), l.kernel,
                                                   l.kernel, C, nb + nc, /*relu6=*/false);
      else
        packed_[i] = kernels::cpu::PackedMatrix(false, C, nb + nc, w.data(), nb + nc);
      continue;
    }
    const int64_t K = int64_t(l.kernel) * l.kernel * l.in_channels;
    if (options_.blocked_layout)
      blocked_[i] =
          kernels::cpu::BlockedWeights(layers[i].weights.data(), layers[i].bias.data(), l.kernel,
                                       l.kernel, l.in_channels, l.out_channels, layers[i].relu6);
    else
      packed_[i] = kernels::cpu::PackedMatrix(false, K, l.out_channels, layers[i].weights.data(),
                                              l.out_channels);
  }
  // The layers that write the blocked layout: all but the predictors (whose outputs go to the
  // anchors' rows) and a layer whose channels are not whole 16-channel blocks (Conv2d_0's 24 at
  // depth 0.75). Every kernel reads either layout, so only the image is read as NHWC.
  blocked_output_.assign(layers.size(), false);
  if (!options_.blocked_layout) return;
  for (size_t i = 0; i < layers.size(); ++i) {
    const LayerSpec& l = layers[i].spec;
    blocked_output_[i] =
        l.out_channels % kernels::cpu::kChannelBlock == 0 && l.kind != LayerKind::Predictor;
  }
}

void SsdInference::plan_for(int64_t n) {
  if (plan_.n == n) return;
  Plan p;
  p.n = n;
  const auto& layers = folded_.layers;
  const int L = static_cast<int>(layers.size());
  auto geometry_of = [&](const LayerSpec& l) {
    return kernels::make_conv_geometry(n, l.in_height, l.in_width, l.in_channels, l.kernel,
                                       l.kernel, l.out_channels, l.stride, kernels::Padding::Same);
  };
  // Pointwise layer -> the depthwise layer fused into it: the depthwise output's only reader.
  std::vector<int> fused_depthwise(L, -1);
  std::vector<int> readers(L, 0);
  for (int i = 0; i < L; ++i)
    if (layers[i].spec.input >= 0) ++readers[layers[i].spec.input];
  const bool fuse = options_.fuse_depthwise_pointwise && !options_.blocked_layout;
  for (int i = 0; fuse && i + 1 < L; ++i) {
    const LayerSpec &dw = layers[i].spec, &pw = layers[i + 1].spec;
    if (dw.kind == LayerKind::Depthwise && pw.kind == LayerKind::Conv && pw.kernel == 1 &&
        pw.stride == 1 && pw.input == i && readers[i] == 1 &&
        kernels::cpu::depthwise_pointwise_pays(geometry_of(dw), pw.out_channels))
      fused_depthwise[i + 1] = i;
  }
  auto runs_with_next = [&](int i) { return i + 1 < L && fused_depthwise[i + 1] == i; };
  // The last step that reads each layer's output (a fused pair reads the depthwise's input).
  std::vector<int> last_use(L, -1);
  for (int i = 0; i < L; ++i) {
    const int at = runs_with_next(i) ? i + 1 : i;
    if (layers[i].spec.input >= 0) last_use[layers[i].spec.input] = at;
  }
  std::vector<int64_t> sizes;  // per buffer: the most floats it must hold
  std::vector<int> buffer_of(L, -1);
  std::vector<int> free_buffers;
  int64_t col_floats = 0;
  for (int i = 0; i < L; ++i) {
    const LayerSpec& l = layers[i].spec;
    if (is_box_predictor(l)) continue;  // runs with its class predictor
    if (runs_with_next(i)) continue;    // runs with its pointwise
    Step s;
    s.layer = i;
    s.box_layer = pair_of_[i];
    s.geometry = geometry_of(l);
    if (s.box_layer >= 0) s.geometry.out_c += layers[s.box_layer].spec.out_channels;
    int reads = l.input;
    if (fused_depthwise[i] >= 0) {
      s.depthwise_layer = fused_depthwise[i];
      s.depthwise_geometry = geometry_of(layers[s.depthwise_layer].spec);
      reads = layers[s.depthwise_layer].spec.input;
    }
    s.input = reads >= 0 ? buffer_of[reads] : -1;
    if (l.kind == LayerKind::Conv && !options_.blocked_layout)  // im2col for the GEMM
      col_floats = std::max(col_floats, kernels::cpu::conv2d_col_floats(s.geometry));
    // Buffers whose last reader ran before this step are free again.
    for (int j = 0; j < i; ++j)
      if (buffer_of[j] >= 0 && last_use[j] < i &&
          std::find(free_buffers.begin(), free_buffers.end(), buffer_of[j]) == free_buffers.end()) {
        bool still_used = false;
        for (int k = 0; k < i; ++k) still_used |= buffer_of[k] == buffer_of[j] && last_use[k] >= i;
        if (!still_used) free_buffers.push_back(buffer_of[j]);
      }
    s.out_pixel = s.box_layer >= 0 && options_.blocked_layout
                      ? (s.geometry.out_c + kernels::cpu::kChannelBlock - 1) /
                            kernels::cpu::kChannelBlock * kernels::cpu::kChannelBlock
                      : s.geometry.out_c;
    const int64_t need = s.geometry.output_numel() / s.geometry.out_c * s.out_pixel;
    int chosen = -1;
    for (int b : free_buffers)  // the smallest free buffer that is large enough, else the largest
      if (chosen < 0 || (sizes[b] >= need && (sizes[chosen] < need || sizes[b] < sizes[chosen])) ||
          (sizes[chosen] < need && sizes[b] > sizes[chosen]))
        chosen = b;
    if (chosen < 0) {
      chosen = static_cast<int>(sizes.size());
      sizes.push_back(0);
    } else {
      free_buffers.erase(std::find(free_buffers.begin(), free_buffers.end(), chosen));
    }
    sizes[chosen] = std::max(sizes[chosen], need);
    buffer_of[i] = chosen;
    s.output = chosen;
    p.steps.push_back(s);
  }
  int64_t total = 0;
  for (int64_t size : sizes) {
    p.offsets.push_back(total);
    total += (size + 15) / 16 * 16;  // 64-byte aligned offsets
  }
  p.col_offset = total;
  p.arena.assign(size_t(total + col_floats), 0.f);
  plan_ = std::move(p);
}

int64_t SsdInference::planned_floats(int64_t n) {
  plan_for(n);
  return static_cast<int64_t>(plan_.arena.size());
}

int SsdInference::fused_pairs(int64_t n) {
  plan_for(n);
  return static_cast<int>(std::count_if(plan_.steps.begin(), plan_.steps.end(),
                                        [](const Step& s) { return s.depthwise_layer >= 0; }));
}

std::vector<InferenceStep> SsdInference::steps(int64_t n) {
  plan_for(n);
  auto shape_of = [](const kernels::ConvGeometry& g) {
    std::string s = std::to_string(g.in_h) + "x" + std::to_string(g.in_w) + "x" +
                    std::to_string(g.in_c) + "->" + std::to_string(g.out_c);
    return g.stride == 1 ? s : s + " s" + std::to_string(g.stride);
  };
  auto flops_of = [](const kernels::ConvGeometry& g, bool depthwise) {
    const double macs = double(g.batch) * g.out_h * g.out_w * g.kernel_h * g.kernel_w * g.out_c;
    return 2 * macs * (depthwise ? 1 : g.in_c);
  };
  std::vector<InferenceStep> out;
  for (const Step& s : plan_.steps) {
    const LayerSpec& l = folded_.layers[s.layer].spec;
    InferenceStep step{l.scope, shape_of(s.geometry),
                       flops_of(s.geometry, l.kind == LayerKind::Depthwise)};
    if (s.depthwise_layer >= 0) {
      const std::string& dw = folded_.layers[s.depthwise_layer].spec.scope;
      step.name = dw + " + " + l.scope.substr(l.scope.rfind('/') + 1);
      step.shape = shape_of(s.depthwise_geometry) + ", " + step.shape;
      step.flops += flops_of(s.depthwise_geometry, true);
    }
    if (s.box_layer >= 0) step.name += " + BoxEncodingPredictor";
    out.push_back(std::move(step));
  }
  return out;
}

SsdOutput SsdInference::run(const Tensor& images) {
  TAILOR_CHECK(images.dim() == 4 && images.size(1) == config().image_height &&
                   images.size(2) == config().image_width && images.size(3) == 3 &&
                   images.dtype() == DType::Float32,
               ShapeError, "SsdInference: expected float images [N,", config().image_height, ",",
               config().image_width, ",3], got ", shape_str(images.shape()));
  const Tensor x = images.to(Device::cpu()).contiguous();
  return run(x.data<float>(), x.size(0));
}

SsdOutput SsdInference::run(const float* images, int64_t n) {
  return run(images, n, nullptr);
}

SsdOutput SsdInference::run(const float* images, int64_t n, std::vector<double>* step_ms) {
  namespace kc = kernels::cpu;
  using Clock = std::chrono::steady_clock;
  plan_for(n);
  if (step_ms) step_ms->clear();
  float* arena = plan_.arena.data();
  const int64_t A = static_cast<int64_t>(anchors_.size());
  const int64_t C1 = folded_.config.num_classes + 1;
  // The outputs' own storage, written in place: two vectors copied into tensors at the end
  // faulted in 0.7 MB of fresh pages and copied it again on every batch-1 run.
  SsdOutput out;
  out.box_encodings = Tensor::empty({n, A, 4});
  out.class_logits = Tensor::empty({n, A, C1});
  float* boxes = out.box_encodings.data<float>();
  float* logits = out.class_logits.data<float>();
  int64_t anchor_offset = 0;  // of the current feature map's anchors
  for (const Step& s : plan_.steps) {
    const Clock::time_point start = step_ms ? Clock::now() : Clock::time_point();
    const FoldedLayer& fl = folded_.layers[s.layer];
    const float* x = s.input < 0 ? images : arena + plan_.offsets[s.input];
    float* y = arena + plan_.offsets[s.output];
    const kernels::ConvGeometry& g = s.geometry;
    // Where each input and output pixel's channel blocks are (kernels/cpu/blocked_conv.h).
    const int from = fl.spec.input;
    const kc::BlockLayout xl = from >= 0 && blocked_output_[from]
                                   ? kc::blocked_layout(g.in_h, g.in_w, g.in_c)
                                   : kc::nhwc_layout(g.in_h, g.in_w, g.in_c);
    const kc::BlockLayout yl = blocked_output_[s.layer]
                                   ? kc::blocked_layout(g.out_h, g.out_w, g.out_c)
                                   : kc::nhwc_layout(g.out_h, g.out_w, s.out_pixel);
    if (options_.blocked_layout && fl.spec.kind == LayerKind::Depthwise) {
      kc::blocked_depthwise_forward(g, x, xl, fl.weights.data(), fl.bias.data(), fl.relu6, y, yl);
    } else if (options_.blocked_layout && g.kernel_h == 1 && g.stride == 1) {
      // A pointwise layer or a predictor pair.
      kc::blocked_pointwise_forward(n, g.out_h * g.out_w, x, xl, blocked_[s.layer], y, yl);
    } else if (options_.blocked_layout) {  // Conv2d_0, the extra 3x3 stride-2 layers
      kc::blocked_conv_forward(g, x, xl, blocked_[s.layer], y, yl);
    } else if (s.depthwise_layer >= 0) {
      const FoldedLayer& dw = folded_.layers[s.depthwise_layer];
      kc::depthwise_pointwise_forward(s.depthwise_geometry, x, dw.weights.data(),
                                      {dw.bias.data(), dw.relu6}, packed_[s.layer],
                                      {fl.bias.data(), fl.relu6}, y);
    } else if (fl.spec.kind == LayerKind::Depthwise) {
      kc::depthwise_conv2d_forward(g, x, fl.weights.data(), y, {fl.bias.data(), fl.relu6});
    } else {
      // A predictor pair's bias is both predictors' (fl.relu6 is false for predictors).
      const float* bias = s.box_layer >= 0 ? pair_bias_[s.layer].data() : fl.bias.data();
      kc::conv2d_forward_packed(g, x, packed_[s.layer], y, {bias, fl.relu6},
                                arena + plan_.col_offset);
    }
    if (s.box_layer >= 0) {
      // Both predictors of a feature map ran as one product: their columns into the anchors'
      // rows, on every thread (each copies the rows that it wrote where the product split the
      // pixels: 0.4 MB at batch 1 for the 19x19 map).
      const int64_t nb = folded_.layers[s.box_layer].spec.out_channels;
      const int64_t k = nb / 4, pixels = g.out_h * g.out_w, width = s.out_pixel;
      parallel_for(0, n * pixels, 32, [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; ++r) {
          const int64_t i = r / pixels, anchor = anchor_offset + r % pixels * k;
          std::memcpy(boxes + (i * A + anchor) * 4, y + r * width, sizeof(float) * nb);
          std::memcpy(logits + (i * A + anchor) * C1, y + r * width + nb, sizeof(float) * k * C1);
        }
      });
      anchor_offset += pixels * k;
    }
    if (step_ms)
      step_ms->push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  TAILOR_CHECK(anchor_offset == A, ShapeError, "SsdInference: the predictors cover ", anchor_offset,
               " anchors, the model has ", A);
  return out;
}

}  // namespace tailor::models
