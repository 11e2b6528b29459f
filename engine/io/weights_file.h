#pragma once
// One entry point over the three weight formats Tailor reads: TF V2 checkpoints (PREFIX or
// PREFIX.index), .tflite models and .safetensors files (Tailor's native checkpoints).
#include <cstdint>
#include <string>
#include <vector>

#include "engine/tensor.h"

namespace tailor::io {

enum class WeightsFormat { TfCheckpoint, Tflite, Safetensors };

// By extension (.tflite, .safetensors) or the presence of PREFIX.index. Throws UserError naming
// the path when it is none of them.
WeightsFormat detect_weights_format(const std::string& path);

struct TensorListing {
  std::string name;
  std::string dtype;  // "float32", "int32", "int64", "uint8" (others as their format names)
  Shape shape;
  uint64_t bytes = 0;
};

// Every stored tensor, without reading tensor data where the format allows (TF checkpoints are
// listed from the index alone). For .tflite files: the constant tensors (weights, biases,
// anchors, shapes) as stored, e.g. uint8.
std::vector<TensorListing> list_tensors(const std::string& path);

// `NAME<TAB>DTYPE<TAB>[d0,d1,...]<TAB>BYTES`, the format of `tailor inspect`.
std::string listing_line(const TensorListing& t);

// Every tensor, named, in listing order. TF checkpoints: read with CRCs checked. .tflite: the
// constant tensors, quantized ones dequantized to float32 under their TF Lite names.
std::vector<Tensor> read_tensors(const std::string& path);

}  // namespace tailor::io
