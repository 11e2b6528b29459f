#pragma once
// Optimizer state tensors ("slots") keyed by their TF variable names, e.g.
// "FeatureExtractor/MobilenetV1/Conv2d_0/weights/RMSProp", in creation order, so checkpoints
// can save every slot under the name TF gives it and restore it one to one.
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/tensor.h"

namespace tailor::optim {

class SlotMap {
 public:
  bool contains(const std::string& name) const { return index_.count(name) != 0; }
  // The slot, or an undefined tensor.
  Tensor find(const std::string& name) const;
  // The slot named `name`, created as `shape` filled with `init` when missing. Throws
  // ShapeError naming the slot if an existing (e.g. restored) one has another shape.
  Tensor get_or_create(const std::string& name, const Shape& shape, float init);
  // The slot named `name`, created as a copy of `init` when missing (same shape check).
  Tensor get_or_create_from(const std::string& name, const Tensor& init);
  // Sets a slot from a checkpoint: copies into the existing slot (shapes must match) or adds
  // a packed float32 CPU copy.
  void restore(const std::string& name, const Tensor& value);

  // Moves slot `name` (which must exist) to `device` when it lives elsewhere, keeping its name
  // and place in the order, and returns it. Slots are created and restored on the CPU; an
  // optimizer stepping CUDA variables moves its slots next to them on first use.
  Tensor place(const std::string& name, Device device);

  const std::vector<std::pair<std::string, Tensor>>& all() const { return slots_; }
  size_t size() const { return slots_.size(); }

 private:
  Tensor insert(const std::string& name, Tensor value);
  std::vector<std::pair<std::string, Tensor>> slots_;
  std::unordered_map<std::string, size_t> index_;
};

}  // namespace tailor::optim
