#pragma once
// Tensor: a strided view of a reference-counted Storage, plus autograd state.
//
// Layout conventions (fixed across Tailor so TF checkpoints load without transposes):
//   activations NHWC, conv weights HWIO [kh,kw,in,out], depthwise weights [kh,kw,C,1].
// Copying a Tensor is cheap and aliases the same TensorImpl (like a shared_ptr).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/dtype.h"
#include "runtime/device.h"

namespace tailor {

using Shape = std::vector<int64_t>;
std::string shape_str(const Shape& s);  // "[1,300,300,3]"
int64_t shape_numel(const Shape& s);

class Storage {
 public:
  Storage(size_t bytes, Device device);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  void* data() const { return data_; }
  size_t bytes() const { return bytes_; }
  Device device() const { return device_; }

 private:
  void* data_ = nullptr;
  size_t bytes_ = 0;
  Device device_;
};

struct Node;  // engine/autograd.h

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  int64_t offset = 0;  // in elements
  Shape shape;
  Shape strides;  // in elements
  DType dtype = DType::Float32;
  // Autograd.
  bool requires_grad = false;
  std::shared_ptr<TensorImpl> grad;
  std::shared_ptr<Node> grad_fn;
  std::string name;  // parameters carry their TF variable name
};

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // Factories. Shapes with a zero dimension are allowed (empty tensors).
  static Tensor empty(const Shape& shape, DType dtype = DType::Float32,
                      Device device = Device::cpu());
  static Tensor zeros(const Shape& shape, DType dtype = DType::Float32,
                      Device device = Device::cpu());
  static Tensor full(const Shape& shape, float value, Device device = Device::cpu());
  static Tensor ones(const Shape& shape, Device device = Device::cpu()) {
    return full(shape, 1.f, device);
  }
  static Tensor from_vector(const std::vector<float>& values, const Shape& shape);
  static Tensor from_vector_i32(const std::vector<int32_t>& values, const Shape& shape);
  static Tensor scalar(float v) { return from_vector({v}, {}); }

  bool defined() const { return impl_ != nullptr; }
  TensorImpl* impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }

  const Shape& shape() const;
  const Shape& strides() const;
  int64_t dim() const { return static_cast<int64_t>(shape().size()); }
  int64_t size(int64_t d) const;  // negative d counts from the end
  int64_t numel() const { return shape_numel(shape()); }
  size_t nbytes() const { return numel() * dtype_size(dtype()); }
  DType dtype() const;
  Device device() const;
  bool is_contiguous() const;

  // Raw element pointer (storage + offset). Checks the dtype.
  template <typename T>
  T* data() const;
  void* raw_data() const;

  // Views share storage and carry no autograd history (use ops::reshape for autograd).
  Tensor view(const Shape& shape) const;  // needs a contiguous tensor; one dim may be -1
  Tensor slice(int64_t dim, int64_t start, int64_t end) const;
  Tensor select(int64_t dim, int64_t index) const;  // drops `dim`
  Tensor contiguous() const;                        // this if contiguous, else a packed copy
  Tensor clone() const;                             // always a packed copy, no autograd history
  Tensor to(Device device) const;
  Tensor detach() const;  // same storage, new impl without grad_fn

  // Host-side convenience (copies from the device when needed).
  float item() const;
  std::vector<float> to_vector() const;
  std::vector<int32_t> to_vector_i32() const;
  void fill_(float value);
  void copy_from(const Tensor& src);  // same shape; any devices, strides

  // Autograd.
  bool requires_grad() const;
  Tensor& set_requires_grad(bool on = true);
  Tensor grad() const;
  void set_grad(const Tensor& g) const;
  void zero_grad() const;
  const std::shared_ptr<Node>& grad_fn() const;
  void backward(const Tensor& grad_output = Tensor()) const;  // root must be a scalar if no grad

  const std::string& name() const;
  Tensor& set_name(const std::string& name);

 private:
  std::shared_ptr<TensorImpl> impl_;
};

}  // namespace tailor

#include "engine/tensor_inl.h"
