#pragma once
// One training step, as llm.c writes it: forward, loss, backward, update. The trainer
// (pipeline/train/trainer.h) is the loop around it: batches in, checkpoints and logs out.
#include <cstdint>
#include <string>

#include "data/loader.h"
#include "engine/optim/moving_average.h"
#include "engine/optim/rmsprop.h"
#include "models/ssd_model.h"
#include "models/target_assigner.h"
#include "pipeline/input/input_data.h"
#include "pipeline/train/gradient_allreduce.h"
#include "runtime/dist/communicator.h"

namespace tailor::pipeline {

struct StepLosses {
  float total = 0, classification = 0, localization = 0, regularization = 0;
  double allreduce_seconds = 0;  // data-parallel: the gradient exchange
};

struct StepContext {
  int64_t step = 0;  // the global step this update makes (0 for the first)
  float learning_rate = 0;
  bool image_labels_train = true;  // loss.image_level.start_step reached
  std::string last_checkpoint;     // named in the error when the step fails
  // Per dataset example (Batch::example_indices): its source, whose ambiguous classes and
  // exhaustive image labels its groundtruth carries. Null: plain labels everywhere.
  const std::vector<const NamedDataset*>* source_of = nullptr;
  // Data-parallel training (more than one rank): the process group and its gradient
  // exchange. The loss is normalized by the global batch's matches, the losses reported are
  // the global batch's, and the gradients are averaged before the update.
  dist::Communicator* comm = nullptr;
  GradientAllreduce* allreduce = nullptr;
};

// Forward on `batch` in training mode, the SSD loss (models/ssd_loss.h), backward, one
// RMSProp update at ctx.learning_rate, then the moving average. Throws UserError naming the
// step and the first non-finite tensor when the loss or a gradient is not finite; nothing is
// updated then.
StepLosses train_step(models::SsdModel& model, optim::RMSProp& optimizer,
                      optim::ExponentialMovingAverage* ema, const data::Batch& batch,
                      const StepContext& ctx);

}  // namespace tailor::pipeline
