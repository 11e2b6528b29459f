#pragma once
// The one place where config becomes objects (the TF OD API's builders/): the loader options,
// the augmentation steps, the frozen variables, the optimizer and its learning-rate schedule,
// the moving average, and the eval options. The config layer only parses and validates; the
// trainer, the evaluator and the commands take what these build. (The CUDA convolution choice
// is built in pipeline/build/conv_impl.h.)
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "data/augment.h"
#include "data/label_map.h"
#include "data/loader.h"
#include "engine/optim/learning_rate.h"
#include "engine/optim/moving_average.h"
#include "engine/optim/rmsprop.h"
#include "engine/parameter_set.h"
#include "pipeline/config/pipeline_config.h"
#include "pipeline/eval/evaluator.h"

namespace tailor::pipeline {

// train.augmentation as the data loader's steps. Throws UserError for a step it cannot apply.
std::vector<data::AugmentStep> build_augmentation(const std::vector<AugmentationConfig>& augs);

// The training loader: batch size, model input size, threads, seed, augmentation, the
// per-image sampling weights, the label map, and the batch to start at (a resumed run's step).
data::LoaderOptions build_train_loader_options(const PipelineConfig& config,
                                               const data::LabelMap& labels,
                                               std::vector<double> sample_weights,
                                               int64_t start_batch);

// The learning rate of every step: exponential_decay or cosine_decay, as configured.
class LearningRate {
 public:
  explicit LearningRate(const RmsPropConfig& config);
  float at(int64_t step) const;

 private:
  LearningRateSchedule schedule_;
  optim::ExponentialDecay exponential_;
  optim::CosineDecay cosine_;
};

optim::RMSProp build_optimizer(const RmsPropConfig& config);

// Freezes the variables that train.freeze_variables names (see ParameterSet::freeze) and says
// what it froze, for the training log. A pattern that matches no trainable variable is a
// UserError naming the config file: a typo would otherwise train everything silently.
std::string freeze_variables(const PipelineConfig& config, ParameterSet& params);

// nullptr when train.use_moving_average is off.
std::unique_ptr<optim::ExponentialMovingAverage> build_moving_average(const TrainConfig& config);

// The eval options a config asks for: eval.metrics and eval.max_images; batch size and threads
// as training uses them.
EvalOptions build_eval_options(const PipelineConfig& config);

}  // namespace tailor::pipeline
