#include "pipeline/train/train_step.h"

#include <cmath>
#include <sstream>

#include "engine/autograd.h"
#include "models/ssd_loss.h"
#include "runtime/device.h"
#include "runtime/error.h"

namespace tailor::pipeline {
namespace {

// Image-labelled rows train from loss.image_level.start_step on (ctx.image_labels_train);
// before that they are in the batch but give no loss.
std::vector<models::GroundTruth> groundtruth_of(const data::Batch& batch, const StepContext& ctx) {
  const int64_t max_boxes = batch.boxes.size(1);
  const float* boxes = batch.boxes.data<float>();
  const int32_t* classes = batch.classes.data<int32_t>();
  const int32_t* counts = batch.num_boxes.data<int32_t>();
  std::vector<models::GroundTruth> gt(batch.size);
  for (int i = 0; i < batch.size; ++i) {
    if (ctx.source_of) {
      const NamedDataset& source = *ctx.source_of->at(batch.example_indices[i]);
      if (!source.ambiguous.empty()) gt[i].ambiguous = &source.ambiguous;
      gt[i].labels_exhaustive = source.labels_exhaustive;
    }
    if (batch.image_labels[i] > 0) {
      gt[i].image_level = true;
      gt[i].image_label = ctx.image_labels_train ? batch.image_labels[i] : 0;
    }
    for (int j = 0; j < counts[i]; ++j) {
      const float* b = boxes + (i * max_boxes + j) * 4;
      gt[i].boxes.push_back({b[0], b[1], b[2], b[3]});
      gt[i].classes.push_back(classes[i * max_boxes + j]);
    }
  }
  return gt;
}

bool all_finite(const Tensor& t) {
  if (!t.defined() || t.dtype() != DType::Float32) return true;
  Tensor c = t.to(tailor::Device::cpu()).contiguous();  // CUDA device move: read on the host
  const float* d = c.data<float>();
  for (int64_t i = 0, n = c.numel(); i < n; ++i)
    if (!std::isfinite(d[i])) return false;
  return true;
}

// Names the first non-finite tensor of a failed step, in the order a reader can act on: the
// loss terms, then the weights, then the gradients.
std::string first_bad_tensor(const models::SsdLosses& losses, const ParameterSet& params) {
  const std::pair<const char*, const Tensor*> terms[] = {
      {"classification loss", &losses.classification},
      {"localization loss", &losses.localization},
      {"regularization loss", &losses.regularization}};
  for (const auto& [name, t] : terms)
    if (!all_finite(*t)) return name;
  for (const Parameter& p : params.all())
    if (!all_finite(p.value)) return p.name;
  for (const Parameter& p : params.all())
    if (p.trainable && !all_finite(p.value.grad())) return "gradient of " + p.name;
  return "none (the total loss overflowed)";
}

std::string format_float(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

std::string intact(const std::string& last_checkpoint) {
  return "the last checkpoint (" +
         (last_checkpoint.empty() ? std::string("none") : last_checkpoint) + ") is intact";
}

}  // namespace

StepLosses train_step(models::SsdModel& model, optim::RMSProp& optimizer,
                      optim::ExponentialMovingAverage* ema, const data::Batch& batch,
                      const StepContext& ctx) {
  model.params().zero_grad();
  // Under mpirun (even with one rank), the global-batch loss and the gradient exchange.
  const bool parallel = ctx.comm && (ctx.comm->size() > 1 || ctx.comm->backend() == "mpi");
  models::LossReduction reduction;
  if (parallel) {
    reduction.global_matches = [&](int64_t local) {
      ctx.comm->allreduce_sum(&local, 1);
      return local;
    };
    reduction.scale = static_cast<float>(ctx.comm->size());
  }
  const models::SsdOutput out = model.forward(batch.images, /*training=*/true);
  const models::SsdLosses losses =
      models::ssd_loss(out, model.anchor_boxes(), groundtruth_of(batch, ctx), model.params(),
                       model.config(), parallel ? &reduction : nullptr);
  StepLosses values;
  values.total = losses.total.item();
  values.classification = losses.classification.item();
  values.localization = losses.localization.item();
  values.regularization = losses.regularization.item();
  if (parallel) {
    // The global batch's losses: the mean of the ranks' (each scaled by the rank count). Every
    // rank sees the same values, so a non-finite loss stops all of them at once.
    float v[4] = {values.total, values.classification, values.localization, values.regularization};
    ctx.comm->allreduce_sum(v, 4);
    const float inv = 1.f / static_cast<float>(ctx.comm->size());
    values.total = v[0] * inv, values.classification = v[1] * inv;
    values.localization = v[2] * inv, values.regularization = v[3] * inv;
  }
  if (!std::isfinite(values.total))
    throw UserError("step " + std::to_string(ctx.step + 1) + ": the total loss is " +
                    format_float(values.total) +
                    "; first non-finite tensor: " + first_bad_tensor(losses, model.params()) +
                    ". Lower the learning rate or check the data; " + intact(ctx.last_checkpoint));
  losses.total.backward();
  if (parallel && ctx.allreduce) values.allreduce_seconds = ctx.allreduce->apply(model.params());
  for (const Parameter& p : model.params().all())
    if (p.trainable && !all_finite(p.value.grad()))
      throw UserError("step " + std::to_string(ctx.step + 1) + ": gradient of " + p.name +
                      " is not finite; " + intact(ctx.last_checkpoint));
  optimizer.apply(model.params(), ctx.learning_rate);
  if (parallel && ctx.allreduce && !model.config().freeze_batchnorm)
    ctx.allreduce->average_statistics(model.params());
  if (ema) ema->apply(model.params());
  return values;
}

}  // namespace tailor::pipeline
