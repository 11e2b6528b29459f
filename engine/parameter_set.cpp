#include "engine/parameter_set.h"

#include "runtime/error.h"

namespace tailor {

Tensor ParameterSet::add(const std::string& name, Tensor value, bool trainable, bool regularize) {
  TAILOR_CHECK(!contains(name), UserError, "duplicate parameter name '", name, "'");
  value.set_name(name);
  if (trainable) value.set_requires_grad(true);
  index_[name] = params_.size();
  params_.push_back({name, value, trainable, regularize});
  return value;
}

Parameter* ParameterSet::find(const std::string& name) {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &params_[it->second];
}

const Parameter* ParameterSet::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &params_[it->second];
}

Parameter& ParameterSet::at(const std::string& name) {
  Parameter* p = find(name);
  TAILOR_CHECK(p, UserError, "no parameter named '", name, "'");
  return *p;
}

const Parameter& ParameterSet::at(const std::string& name) const {
  const Parameter* p = find(name);
  TAILOR_CHECK(p, UserError, "no parameter named '", name, "'");
  return *p;
}

int64_t ParameterSet::trainable_numel() const {
  int64_t n = 0;
  for (const auto& p : params_)
    if (p.trainable) n += p.value.numel();
  return n;
}

void ParameterSet::freeze(Parameter& p) {
  TAILOR_CHECK(p.trainable || p.frozen, UserError, "'", p.name,
               "' is not a trainable variable and cannot be frozen");
  p.trainable = false;
  p.frozen = true;
  p.value.set_requires_grad(false);
}

void ParameterSet::zero_grad() {
  for (auto& p : params_) p.value.zero_grad();
}

}  // namespace tailor
