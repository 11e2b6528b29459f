#include "pipeline/build/builders.h"

#include <algorithm>
#include <regex>
#include <sstream>

#include "runtime/error.h"
#include "runtime/thread_pool.h"

namespace tailor::pipeline {

std::vector<data::AugmentStep> build_augmentation(const std::vector<AugmentationConfig>& augs) {
  std::vector<data::AugmentStep> steps;
  for (const AugmentationConfig& a : augs) {
    data::AugmentStep s{a.name, {}};
    for (const auto& [key, value] : a.params) s.params[key] = value;
    steps.push_back(std::move(s));
  }
  data::validate_augmentation(steps);
  return steps;
}

data::LoaderOptions build_train_loader_options(const PipelineConfig& config,
                                               const data::LabelMap& labels,
                                               std::vector<double> sample_weights,
                                               int64_t start_batch) {
  data::LoaderOptions lo;
  lo.batch_size = config.train.batch_size;
  lo.height = config.model.image_height;
  lo.width = config.model.image_width;
  lo.threads = std::max(1, num_threads());
  lo.seed = config.train.seed;
  lo.shuffle = config.train_input.shuffle;
  lo.repeat = true;
  lo.augmentation = build_augmentation(config.train.augmentation);
  lo.sample_weights = std::move(sample_weights);
  lo.labels = &labels;
  lo.start_batch = start_batch;
  lo.on_bad_example = data::parse_on_bad_example(config.train_input.on_bad_example);
  return lo;
}

LearningRate::LearningRate(const RmsPropConfig& c)
    : schedule_(c.schedule),
      exponential_{c.learning_rate.initial_learning_rate, c.learning_rate.decay_steps,
                   c.learning_rate.decay_factor, c.learning_rate.staircase},
      cosine_{c.cosine_decay.learning_rate_base, c.cosine_decay.total_steps,
              c.cosine_decay.warmup_learning_rate, c.cosine_decay.warmup_steps,
              c.cosine_decay.hold_base_rate_steps} {}

float LearningRate::at(int64_t step) const {
  return schedule_ == LearningRateSchedule::kCosineDecay ? cosine_.at(step) : exponential_.at(step);
}

optim::RMSProp build_optimizer(const RmsPropConfig& c) {
  return optim::RMSProp({c.decay, c.momentum, c.epsilon});
}

std::string freeze_variables(const PipelineConfig& config, ParameterSet& params) {
  const std::vector<std::string>& patterns = config.train.freeze_variables;
  if (patterns.empty()) return "";
  int64_t variables = 0, values = 0;
  for (const std::string& pattern : patterns) {
    const std::regex re(pattern);
    bool matched = false;
    for (Parameter& p : params.all()) {
      // Python's re.match, as the TF OD API applies the patterns: anchored at the name's start.
      if (!std::regex_search(p.name, re, std::regex_constants::match_continuous)) continue;
      if (!p.trainable && !p.frozen) continue;  // batch norm's moving statistics
      matched = true;
      if (p.frozen) continue;
      params.freeze(p);
      ++variables;
      values += p.value.numel();
    }
    TAILOR_CHECK(
        matched, UserError, config.path, ": train.freeze_variables '", pattern,
        "' matches no trainable variable (names look like "
        "FeatureExtractor/MobilenetV1/Conv2d_0/weights; `tailor model summary` lists them)");
  }
  std::ostringstream report;
  report << "train: froze " << variables << " variables (" << values
         << " values) matching train.freeze_variables; " << params.trainable_numel()
         << " values train\n";
  return report.str();
}

std::unique_ptr<optim::ExponentialMovingAverage> build_moving_average(const TrainConfig& c) {
  if (!c.use_moving_average) return nullptr;
  return std::make_unique<optim::ExponentialMovingAverage>(c.moving_average_decay);
}

EvalOptions build_eval_options(const PipelineConfig& config) {
  EvalOptions o;
  o.metrics = config.eval.metrics;
  o.max_images = config.eval.max_images;
  o.batch_size = config.train.batch_size;
  o.threads = config.train.threads;
  return o;
}

}  // namespace tailor::pipeline
