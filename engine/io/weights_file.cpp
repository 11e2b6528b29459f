#include "engine/io/weights_file.h"

#include <sys/stat.h>

#include <sstream>

#include "engine/io/safetensors.h"
#include "engine/io/tf_checkpoint.h"
#include "engine/io/tflite.h"
#include "runtime/io/atomic_file.h"

namespace tailor::io {

namespace {
bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
}  // namespace

WeightsFormat detect_weights_format(const std::string& path) {
  if (ends_with(path, ".tflite")) return WeightsFormat::Tflite;
  if (ends_with(path, ".safetensors")) return WeightsFormat::Safetensors;
  if (is_tf_checkpoint(path)) return WeightsFormat::TfCheckpoint;
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    throw UserError(path + ": no such file, and no " + path +
                    ".index (expected a .tflite, .safetensors or TF checkpoint prefix)");
  throw UserError(path +
                  ": unknown weights format (expected a .tflite, .safetensors or TF "
                  "checkpoint prefix / .index file)");
}

std::vector<TensorListing> list_tensors(const std::string& path) {
  std::vector<TensorListing> out;
  switch (detect_weights_format(path)) {
    case WeightsFormat::TfCheckpoint: {
      const TfCheckpoint ckpt = TfCheckpoint::open(path);
      for (const auto& e : ckpt.entries())
        out.push_back({e.name, tf_dtype_label(e), e.shape, static_cast<uint64_t>(e.size)});
      break;
    }
    case WeightsFormat::Safetensors: {
      const std::string file = read_file(path);
      for (const auto& e : decode_safetensors_header(file, path, nullptr, nullptr))
        out.push_back({e.name, dtype_name(e.dtype), e.shape, e.end - e.begin});
      break;
    }
    case WeightsFormat::Tflite: {
      const TfliteModel m = TfliteModel::open(path);
      for (size_t i = 0; i < m.tensors().size(); ++i) {
        const auto& t = m.tensors()[i];
        if (m.is_constant(static_cast<int>(i)))
          out.push_back(
              {t.name, tflite_type_name(t.type), t.shape, m.data(static_cast<int>(i)).size()});
      }
      break;
    }
  }
  return out;
}

std::string listing_line(const TensorListing& t) {
  std::ostringstream os;
  os << t.name << '\t' << t.dtype << '\t' << shape_str(t.shape) << '\t' << t.bytes;
  return os.str();
}

std::vector<Tensor> read_tensors(const std::string& path) {
  std::vector<Tensor> out;
  switch (detect_weights_format(path)) {
    case WeightsFormat::TfCheckpoint: {
      const TfCheckpoint ckpt = TfCheckpoint::open(path);
      for (const auto& e : ckpt.entries()) out.push_back(ckpt.read(e.name));
      break;
    }
    case WeightsFormat::Safetensors:
      out = read_safetensors(path).tensors;
      break;
    case WeightsFormat::Tflite: {
      const TfliteModel m = TfliteModel::open(path);
      for (size_t i = 0; i < m.tensors().size(); ++i) {
        const int k = static_cast<int>(i);
        if (!m.is_constant(k)) continue;
        out.push_back(m.tensors()[i].quantization.quantized() ? m.dequantize(k) : m.raw(k));
      }
      break;
    }
  }
  return out;
}

}  // namespace tailor::io
