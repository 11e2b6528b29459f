#pragma once
// The named tensors of a model: trainable variables and non-trainable state (batch-norm
// moving statistics). Names are TF variable names, e.g.
// "FeatureExtractor/MobilenetV1/Conv2d_0/weights", so TF checkpoints map one to one.
// Insertion order is kept: it is the model's definition order, used for printing and saving.
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/tensor.h"

namespace tailor {

struct Parameter {
  std::string name;
  Tensor value;
  bool trainable = true;    // false for moving_mean / moving_variance, and frozen variables
  bool regularize = false;  // L2 weight decay applies (conv weights, not depthwise, not biases)
  // A variable held at its value by train.freeze_variables: not trainable, no gradient, and
  // unlike the moving statistics never averaged across ranks (it is the same everywhere).
  bool frozen = false;
};

class ParameterSet {
 public:
  // Adds a parameter; throws UserError if the name exists. Sets the tensor's name, and
  // requires_grad when trainable. Returns a handle to the stored tensor (same impl as `value`).
  Tensor add(const std::string& name, Tensor value, bool trainable, bool regularize);

  bool contains(const std::string& name) const { return index_.count(name) != 0; }
  Parameter* find(const std::string& name);
  const Parameter* find(const std::string& name) const;
  Parameter& at(const std::string& name);  // throws UserError naming the missing variable
  const Parameter& at(const std::string& name) const;

  std::vector<Parameter>& all() { return params_; }
  const std::vector<Parameter>& all() const { return params_; }
  size_t size() const { return params_.size(); }
  int64_t trainable_numel() const;
  void zero_grad();
  // Holds a trainable variable fixed: no gradient reaches it, so ops on it record no history
  // and the backward pass stops where only frozen variables lie behind it.
  void freeze(Parameter& p);

 private:
  std::vector<Parameter> params_;
  std::unordered_map<std::string, size_t> index_;
};

}  // namespace tailor
