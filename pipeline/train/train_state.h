#pragma once
// Everything a training run needs to continue bit for bit, as one Tailor checkpoint:
// parameters and BN moving statistics under their TF names, RMSProp slots, EMA shadows, the
// global step, and the model config and label map (so the file alone also drives detect).
#include <cstdint>
#include <string>

#include "data/label_map.h"
#include "engine/io/checkpoint.h"
#include "engine/optim/moving_average.h"
#include "engine/optim/rmsprop.h"
#include "models/ssd_model.h"

namespace tailor::pipeline {

io::Checkpoint make_train_checkpoint(const models::SsdModel& model, const optim::RMSProp& optimizer,
                                     const optim::ExponentialMovingAverage* ema, int64_t step,
                                     const data::LabelMap& labels);

// Loads parameters, slots and shadows into a model and optimizer built from the same config.
// Returns the global step. Throws UserError naming `path` and the variable when one is missing
// or has another shape (a checkpoint of a different model).
int64_t restore_train_checkpoint(const io::Checkpoint& ckpt, const std::string& path,
                                 models::SsdModel& model, optim::RMSProp& optimizer,
                                 optim::ExponentialMovingAverage* ema);

// The name of the first tensor holding a NaN or Inf, or "" when all are finite.
std::string first_non_finite(const io::Checkpoint& ckpt);

}  // namespace tailor::pipeline
