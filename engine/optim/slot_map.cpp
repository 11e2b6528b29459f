#include "engine/optim/slot_map.h"

#include "runtime/error.h"

namespace tailor::optim {

Tensor SlotMap::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? Tensor() : slots_[it->second].second;
}

Tensor SlotMap::insert(const std::string& name, Tensor value) {
  value.set_name(name);
  index_[name] = slots_.size();
  slots_.emplace_back(name, value);
  return value;
}

Tensor SlotMap::get_or_create(const std::string& name, const Shape& shape, float init) {
  Tensor t = find(name);
  if (!t.defined()) return insert(name, Tensor::full(shape, init));
  TAILOR_CHECK(t.shape() == shape, ShapeError, "optimizer slot '", name, "' has shape ",
               shape_str(t.shape()), " but its variable has shape ", shape_str(shape));
  return t;
}

Tensor SlotMap::get_or_create_from(const std::string& name, const Tensor& init) {
  Tensor t = find(name);
  if (!t.defined()) return insert(name, init.detach().to(Device::cpu()).clone());
  TAILOR_CHECK(t.shape() == init.shape(), ShapeError, "optimizer slot '", name, "' has shape ",
               shape_str(t.shape()), " but its variable has shape ", shape_str(init.shape()));
  return t;
}

Tensor SlotMap::place(const std::string& name, Device device) {
  auto it = index_.find(name);
  TAILOR_CHECK(it != index_.end(), UserError, "optimizer slot '", name, "' does not exist");
  Tensor& slot = slots_[it->second].second;
  if (slot.device() != device) {
    slot = slot.contiguous().to(device);
    slot.set_name(name);
  }
  return slot;
}

void SlotMap::restore(const std::string& name, const Tensor& value) {
  TAILOR_CHECK(value.defined() && value.dtype() == DType::Float32, UserError, "optimizer slot '",
               name, "': expected a float32 tensor");
  Tensor t = find(name);
  if (!t.defined()) {
    insert(name, value.detach().to(Device::cpu()).clone());
    return;
  }
  TAILOR_CHECK(t.shape() == value.shape(), ShapeError, "optimizer slot '", name, "' has shape ",
               shape_str(t.shape()), ", the restored value ", shape_str(value.shape()));
  t.copy_from(value);
}

}  // namespace tailor::optim
