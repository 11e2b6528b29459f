#include "engine/io/safetensors.h"

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>

#include "runtime/io/atomic_file.h"

namespace tailor::io {

namespace {

using nlohmann::json;

bool dtype_from_safetensors(const std::string& s, DType* out) {
  for (DType t : {DType::Float32, DType::Int32, DType::Int64, DType::UInt8})
    if (s == safetensors_dtype_name(t)) {
      *out = t;
      return true;
    }
  return false;
}

uint64_t json_u64(const json& v, const std::string& context) {
  if (!v.is_number_unsigned()) throw UserError(context + " must be a non-negative integer");
  return v.get<uint64_t>();
}

}  // namespace

const char* safetensors_dtype_name(DType t) {
  switch (t) {
    case DType::Float32:
      return "F32";
    case DType::Int32:
      return "I32";
    case DType::Int64:
      return "I64";
    case DType::UInt8:
      return "U8";
  }
  return "?";
}

std::string encode_safetensors(const std::vector<Tensor>& tensors,
                               const std::map<std::string, std::string>& metadata) {
  json header = json::object();
  std::set<std::string> names;
  uint64_t offset = 0;
  for (const Tensor& t : tensors) {
    TAILOR_CHECK(t.defined() && !t.name().empty(), UserError,
                 "safetensors: every tensor needs a name");
    TAILOR_CHECK(t.name() != "__metadata__", UserError,
                 "safetensors: '__metadata__' is reserved and cannot name a tensor");
    TAILOR_CHECK(names.insert(t.name()).second, UserError, "safetensors: duplicate tensor name '",
                 t.name(), "'");
    header[t.name()] = {{"dtype", safetensors_dtype_name(t.dtype())},
                        {"shape", t.shape()},
                        {"data_offsets", {offset, offset + t.nbytes()}}};
    offset += t.nbytes();
  }
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::string text = header.dump();
  // Pad with spaces so the data starts 8-byte aligned, as the reference writer does.
  text.append((8 - (8 + text.size()) % 8) % 8, ' ');
  const uint64_t n = text.size();
  std::string out(reinterpret_cast<const char*>(&n), 8);
  out.reserve(8 + text.size() + offset);
  out += text;
  for (const Tensor& t : tensors) {
    Tensor host = t.to(Device::cpu()).contiguous();
    out.append(static_cast<const char*>(host.raw_data()), host.nbytes());
  }
  return out;
}

std::vector<SafetensorsEntry> decode_safetensors_header(
    std::string_view file, const std::string& path, std::map<std::string, std::string>* metadata,
    size_t* header_end) {
  TAILOR_CHECK(file.size() >= 8, UserError, path, ": ", file.size(),
               " bytes is too small for a safetensors file (8-byte header length); truncated?");
  uint64_t n;
  std::memcpy(&n, file.data(), 8);
  TAILOR_CHECK(n <= kSafetensorsMaxHeaderBytes, UserError, path, ": header length ", n,
               " bytes is over the limit of ", kSafetensorsMaxHeaderBytes,
               " (not a safetensors file, or corrupt)");
  TAILOR_CHECK(n <= file.size() - 8, UserError, path, ": header length ", n,
               " runs past the end of the ", file.size(), "-byte file (truncated?)");
  const json header = json::parse(file.substr(8, n), nullptr, /*allow_exceptions=*/false);
  TAILOR_CHECK(!header.is_discarded() && header.is_object(), UserError, path,
               ": header is not a JSON object");
  const uint64_t data_size = file.size() - 8 - n;
  if (header_end) *header_end = 8 + n;

  std::vector<SafetensorsEntry> entries;
  for (const auto& [name, info] : header.items()) {
    const std::string context = path + ": header: '" + name + "'";
    if (name == "__metadata__") {
      TAILOR_CHECK(info.is_object(), UserError, context, " must be an object of strings");
      for (const auto& [k, v] : info.items()) {
        TAILOR_CHECK(v.is_string(), UserError, context, ".", k, " must be a string");
        if (metadata) (*metadata)[k] = v.get<std::string>();
      }
      continue;
    }
    TAILOR_CHECK(info.is_object() && info.contains("dtype") && info.contains("shape") &&
                     info.contains("data_offsets") && info.size() == 3,
                 UserError, context, " must be an object with exactly dtype, shape, data_offsets");
    SafetensorsEntry e;
    e.name = name;
    const json& dt = info["dtype"];
    TAILOR_CHECK(dt.is_string() && dtype_from_safetensors(dt.get<std::string>(), &e.dtype),
                 UserError, context, ".dtype ", dt.dump(), " is not supported (F32, I32, I64, U8)");
    TAILOR_CHECK(info["shape"].is_array(), UserError, context, ".shape must be an array");
    uint64_t numel = 1;
    for (const json& d : info["shape"]) {
      const uint64_t v = json_u64(d, context + ".shape[]");
      TAILOR_CHECK(v <= (uint64_t(1) << 62) && !__builtin_mul_overflow(numel, v, &numel), UserError,
                   context, ".shape overflows");
      e.shape.push_back(static_cast<int64_t>(v));
    }
    const json& off = info["data_offsets"];
    TAILOR_CHECK(off.is_array() && off.size() == 2, UserError, context,
                 ".data_offsets must be [begin, end]");
    e.begin = json_u64(off[0], context + ".data_offsets[0]");
    e.end = json_u64(off[1], context + ".data_offsets[1]");
    TAILOR_CHECK(e.begin <= e.end && e.end <= data_size, UserError, context, ".data_offsets [",
                 e.begin, ",", e.end, "] are out of the ", data_size, "-byte data buffer");
    uint64_t bytes;
    TAILOR_CHECK(
        !__builtin_mul_overflow(numel, dtype_size(e.dtype), &bytes) && bytes == e.end - e.begin,
        UserError, context, ": ", e.end - e.begin, " bytes do not match ", dtype_name(e.dtype), " ",
        shape_str(e.shape));
    entries.push_back(std::move(e));
  }
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  uint64_t covered = 0;
  for (const auto& e : entries) {
    TAILOR_CHECK(e.begin >= covered, UserError, path, ": tensor '", e.name,
                 "' overlaps the previous tensor's bytes");
    TAILOR_CHECK(e.begin == covered, UserError, path, ": ", e.begin - covered,
                 " unreferenced bytes before tensor '", e.name, "'");
    covered = e.end;
  }
  TAILOR_CHECK(covered == data_size, UserError, path, ": ", data_size - covered,
               " unreferenced bytes after the last tensor (corrupt or truncated header)");
  return entries;
}

SafetensorsContents decode_safetensors(std::string_view file, const std::string& path) {
  SafetensorsContents out;
  size_t header_end = 0;
  for (const auto& e : decode_safetensors_header(file, path, &out.metadata, &header_end)) {
    Tensor t = Tensor::empty(e.shape, e.dtype);
    if (e.end > e.begin)
      std::memcpy(t.raw_data(), file.data() + header_end + e.begin, e.end - e.begin);
    t.set_name(e.name);
    out.tensors.push_back(std::move(t));
  }
  return out;
}

void write_safetensors(const std::string& path, const std::vector<Tensor>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  write_file_atomic(path, encode_safetensors(tensors, metadata));
}

SafetensorsContents read_safetensors(const std::string& path) {
  const std::string file = read_file(path);
  return decode_safetensors(file, path);
}

}  // namespace tailor::io
