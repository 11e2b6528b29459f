#include "engine/tensor.h"

#include <cstring>
#include <sstream>

#include "engine/autograd.h"
#include "runtime/allocator.h"

namespace tailor {

std::string shape_str(const Shape& s) {
  std::ostringstream os;
  os << '[';
  for (size_t i = 0; i < s.size(); ++i) os << (i ? "," : "") << s[i];
  os << ']';
  return os.str();
}

int64_t shape_numel(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

static Shape contiguous_strides(const Shape& shape) {
  Shape strides(shape.size());
  int64_t s = 1;
  for (int64_t i = static_cast<int64_t>(shape.size()) - 1; i >= 0; --i) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

Storage::Storage(size_t bytes, Device device) : bytes_(bytes), device_(device) {
  data_ = allocator_for(device).allocate(bytes);
}

Storage::~Storage() {
  allocator_for(device_).deallocate(data_, bytes_);
}

Tensor Tensor::empty(const Shape& shape, DType dtype, Device device) {
  for (int64_t d : shape)
    TAILOR_CHECK(d >= 0, ShapeError, "negative dimension in shape ", shape_str(shape));
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::make_shared<Storage>(shape_numel(shape) * dtype_size(dtype), device);
  impl->shape = shape;
  impl->strides = contiguous_strides(shape);
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

Tensor Tensor::zeros(const Shape& shape, DType dtype, Device device) {
  Tensor t = empty(shape, dtype, device);
  zero_bytes(t.raw_data(), device, t.nbytes());
  return t;
}

Tensor Tensor::full(const Shape& shape, float value, Device device) {
  Tensor host = empty(shape, DType::Float32);
  float* p = host.data<float>();
  for (int64_t i = 0, n = host.numel(); i < n; ++i) p[i] = value;
  return device.is_cpu() ? host : host.to(device);
}

Tensor Tensor::from_vector(const std::vector<float>& values, const Shape& shape) {
  TAILOR_CHECK(static_cast<int64_t>(values.size()) == shape_numel(shape), ShapeError,
               "from_vector: ", values.size(), " values for shape ", shape_str(shape));
  Tensor t = empty(shape, DType::Float32);
  if (!values.empty()) std::memcpy(t.raw_data(), values.data(), values.size() * sizeof(float));
  return t;
}

Tensor Tensor::from_vector_i32(const std::vector<int32_t>& values, const Shape& shape) {
  TAILOR_CHECK(static_cast<int64_t>(values.size()) == shape_numel(shape), ShapeError,
               "from_vector_i32: ", values.size(), " values for shape ", shape_str(shape));
  Tensor t = empty(shape, DType::Int32);
  if (!values.empty()) std::memcpy(t.raw_data(), values.data(), values.size() * sizeof(int32_t));
  return t;
}

const Shape& Tensor::shape() const {
  TAILOR_CHECK(defined(), UserError, "shape() on an undefined tensor");
  return impl_->shape;
}
const Shape& Tensor::strides() const {
  return impl_->strides;
}
DType Tensor::dtype() const {
  return impl_->dtype;
}
Device Tensor::device() const {
  return impl_->storage->device();
}

int64_t Tensor::size(int64_t d) const {
  int64_t n = dim();
  if (d < 0) d += n;
  TAILOR_CHECK(d >= 0 && d < n, ShapeError, "dimension ", d, " out of range for shape ",
               shape_str(shape()));
  return impl_->shape[d];
}

bool Tensor::is_contiguous() const {
  return impl_->strides == contiguous_strides(impl_->shape);
}

void* Tensor::raw_data() const {
  return static_cast<char*>(impl_->storage->data()) + impl_->offset * dtype_size(impl_->dtype);
}

Tensor Tensor::view(const Shape& shape) const {
  TAILOR_CHECK(is_contiguous(), ShapeError, "view of a non-contiguous tensor ",
               shape_str(this->shape()));
  Shape s = shape;
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == -1) {
      TAILOR_CHECK(infer < 0, ShapeError, "view: more than one -1 in ", shape_str(shape));
      infer = static_cast<int64_t>(i);
    } else {
      known *= s[i];
    }
  }
  if (infer >= 0) {
    TAILOR_CHECK(known > 0 && numel() % known == 0, ShapeError, "view: cannot reshape ",
                 shape_str(this->shape()), " to ", shape_str(shape));
    s[infer] = numel() / known;
  }
  TAILOR_CHECK(shape_numel(s) == numel(), ShapeError, "view: cannot reshape ",
               shape_str(this->shape()), " to ", shape_str(shape));
  auto impl = std::make_shared<TensorImpl>(*impl_);
  impl->shape = s;
  impl->strides = contiguous_strides(s);
  impl->grad.reset();
  impl->grad_fn.reset();
  impl->requires_grad = false;
  return Tensor(std::move(impl));
}

Tensor Tensor::slice(int64_t d, int64_t start, int64_t end) const {
  int64_t n = dim();
  if (d < 0) d += n;
  TAILOR_CHECK(d >= 0 && d < n, ShapeError, "slice: dimension out of range for ",
               shape_str(shape()));
  TAILOR_CHECK(0 <= start && start <= end && end <= impl_->shape[d], ShapeError, "slice [", start,
               ",", end, ") out of range for dimension ", d, " of ", shape_str(shape()));
  auto impl = std::make_shared<TensorImpl>(*impl_);
  impl->offset += start * impl->strides[d];
  impl->shape[d] = end - start;
  impl->grad.reset();
  impl->grad_fn.reset();
  impl->requires_grad = false;
  return Tensor(std::move(impl));
}

Tensor Tensor::select(int64_t d, int64_t index) const {
  int64_t n = dim();
  if (d < 0) d += n;
  Tensor s = slice(d, index, index + 1);
  s.impl_->shape.erase(s.impl_->shape.begin() + d);
  s.impl_->strides.erase(s.impl_->strides.begin() + d);
  return s;
}

// Copies a strided CPU tensor into packed memory, walking the index odometer.
static void pack_strided(const Tensor& src, void* dst) {
  size_t es = dtype_size(src.dtype());
  const char* base = static_cast<const char*>(src.raw_data());
  char* out = static_cast<char*>(dst);
  const Shape& shape = src.shape();
  const Shape& strides = src.strides();
  int64_t n = src.numel(), nd = src.dim();
  if (n == 0) return;
  std::vector<int64_t> idx(nd, 0);
  for (int64_t i = 0; i < n; ++i) {
    int64_t off = 0;
    for (int64_t k = 0; k < nd; ++k) off += idx[k] * strides[k];
    std::memcpy(out + i * es, base + off * es, es);
    for (int64_t k = nd - 1; k >= 0; --k) {
      if (++idx[k] < shape[k]) break;
      idx[k] = 0;
    }
  }
}

Tensor Tensor::clone() const {
  Tensor out = empty(shape(), dtype(), device());
  out.copy_from(*this);
  return out;
}

Tensor Tensor::contiguous() const {
  return is_contiguous() ? *this : clone();
}

Tensor Tensor::to(Device device) const {
  if (device == this->device()) return *this;
  Tensor src = contiguous();
  Tensor out = empty(shape(), dtype(), device);
  copy_bytes(out.raw_data(), device, src.raw_data(), src.device(), src.nbytes());
  return out;
}

void Tensor::copy_from(const Tensor& src) {
  TAILOR_CHECK(src.shape() == shape() && src.dtype() == dtype(), ShapeError,
               "copy_from: ", shape_str(src.shape()), " ", dtype_name(src.dtype()), " into ",
               shape_str(shape()), " ", dtype_name(dtype()));
  TAILOR_CHECK(is_contiguous(), ShapeError, "copy_from into a non-contiguous tensor");
  if (src.is_contiguous()) {
    copy_bytes(raw_data(), device(), src.raw_data(), src.device(), nbytes());
    return;
  }
  Tensor host_src = src.device().is_cpu() ? src : src.to(Device::cpu());
  if (device().is_cpu()) {
    pack_strided(host_src, raw_data());
  } else {
    Tensor packed = empty(shape(), dtype());
    pack_strided(host_src, packed.raw_data());
    copy_bytes(raw_data(), device(), packed.raw_data(), Device::cpu(), nbytes());
  }
}

Tensor Tensor::detach() const {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = impl_->storage;
  impl->offset = impl_->offset;
  impl->shape = impl_->shape;
  impl->strides = impl_->strides;
  impl->dtype = impl_->dtype;
  return Tensor(std::move(impl));
}

float Tensor::item() const {
  TAILOR_CHECK(numel() == 1, ShapeError, "item() on a tensor of shape ", shape_str(shape()));
  return to_vector()[0];
}

std::vector<float> Tensor::to_vector() const {
  TAILOR_CHECK(dtype() == DType::Float32, UserError, "to_vector() on a ", dtype_name(dtype()),
               " tensor");
  Tensor host = to(Device::cpu()).contiguous();
  const float* p = host.data<float>();
  return std::vector<float>(p, p + host.numel());
}

std::vector<int32_t> Tensor::to_vector_i32() const {
  TAILOR_CHECK(dtype() == DType::Int32, UserError, "to_vector_i32() on a ", dtype_name(dtype()),
               " tensor");
  Tensor host = to(Device::cpu()).contiguous();
  const int32_t* p = host.data<int32_t>();
  return std::vector<int32_t>(p, p + host.numel());
}

void Tensor::fill_(float value) {
  TAILOR_CHECK(is_contiguous() && dtype() == DType::Float32, UserError,
               "fill_ needs a contiguous float32 tensor");
  if (device().is_cpu()) {
    float* p = data<float>();
    for (int64_t i = 0, n = numel(); i < n; ++i) p[i] = value;
  } else {
    copy_from(full(shape(), value));
  }
}

bool Tensor::requires_grad() const {
  return impl_ && impl_->requires_grad;
}

Tensor& Tensor::set_requires_grad(bool on) {
  TAILOR_CHECK(!on || dtype() == DType::Float32, UserError,
               "only float32 tensors can require grad");
  impl_->requires_grad = on;
  return *this;
}

Tensor Tensor::grad() const {
  return impl_->grad ? Tensor(impl_->grad) : Tensor();
}
void Tensor::set_grad(const Tensor& g) const {
  impl_->grad = g.impl_ptr();
}
void Tensor::zero_grad() const {
  impl_->grad.reset();
}
const std::shared_ptr<Node>& Tensor::grad_fn() const {
  return impl_->grad_fn;
}

void Tensor::backward(const Tensor& grad_output) const {
  run_backward(*this, grad_output);
}

const std::string& Tensor::name() const {
  return impl_->name;
}
Tensor& Tensor::set_name(const std::string& name) {
  impl_->name = name;
  return *this;
}

}  // namespace tailor
