#include "engine/io/checkpoint.h"

#include "engine/io/safetensors.h"

namespace tailor::io {

const Tensor* Checkpoint::find(const std::string& name) const {
  for (const Tensor& t : tensors)
    if (t.name() == name) return &t;
  return nullptr;
}

const std::string& Checkpoint::meta(const std::string& key, const std::string& path) const {
  auto it = metadata.find(key);
  TAILOR_CHECK(it != metadata.end(), UserError, path, ": checkpoint metadata has no '", key, "'");
  return it->second;
}

void save_checkpoint(const std::string& path, const Checkpoint& ckpt) {
  std::map<std::string, std::string> metadata = ckpt.metadata;
  metadata[kMetaFormat] = kCheckpointFormatVersion;
  write_safetensors(path, ckpt.tensors, metadata);
}

Checkpoint load_checkpoint(const std::string& path) {
  SafetensorsContents c = read_safetensors(path);
  return Checkpoint{std::move(c.tensors), std::move(c.metadata)};
}

}  // namespace tailor::io
