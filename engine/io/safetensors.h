#pragma once
// safetensors: an 8-byte little-endian header length N, N bytes of JSON
// {"NAME": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...,
//  "__metadata__": {"key": "string value"}}, then the raw little-endian tensor bytes, offsets
// relative to the end of the header. Reading validates strictly: every tensor's bytes lie in the
// buffer, match dtype x shape, do not overlap, and together cover the buffer with no holes.
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "engine/tensor.h"

namespace tailor::io {

inline constexpr uint64_t kSafetensorsMaxHeaderBytes = 100'000'000;

struct SafetensorsEntry {
  std::string name;
  DType dtype = DType::Float32;
  Shape shape;
  uint64_t begin = 0, end = 0;  // byte range in the data buffer
};

struct SafetensorsContents {
  std::vector<Tensor> tensors;  // named, in data-offset order
  std::map<std::string, std::string> metadata;
};

// "F32", "I32", "I64", "U8".
const char* safetensors_dtype_name(DType t);

// Serializes named tensors (CPU or CUDA, any strides) in the given order. Throws UserError on
// an unnamed or duplicate name.
std::string encode_safetensors(const std::vector<Tensor>& tensors,
                               const std::map<std::string, std::string>& metadata);

// Parses and validates the header only (for listing). `path` names the file in errors;
// `header_end` receives the file offset where the data buffer starts.
std::vector<SafetensorsEntry> decode_safetensors_header(
    std::string_view file, const std::string& path, std::map<std::string, std::string>* metadata,
    size_t* header_end);

SafetensorsContents decode_safetensors(std::string_view file, const std::string& path);

// Atomic write (temp file, fsync, rename) and whole-file read.
void write_safetensors(const std::string& path, const std::vector<Tensor>& tensors,
                       const std::map<std::string, std::string>& metadata);
SafetensorsContents read_safetensors(const std::string& path);

}  // namespace tailor::io
