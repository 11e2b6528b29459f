#pragma once
// Tailor's native checkpoint: one safetensors file holding everything `tailor detect` and a
// resumed training run need: parameters under their TF variable names, BN moving statistics,
// optimizer slots and EMA weights (TF's naming: "VAR/RMSProp", "VAR/ExponentialMovingAverage"),
// the global step, and JSON strings for the model config and label map in the metadata.
#include <map>
#include <string>
#include <vector>

#include "engine/tensor.h"

namespace tailor::io {

// Metadata keys Tailor writes; values are strings (JSON where structured).
inline constexpr const char* kMetaFormat = "tailor.format";             // "tailor-checkpoint-1"
inline constexpr const char* kMetaGlobalStep = "tailor.global_step";    // decimal integer
inline constexpr const char* kMetaModelConfig = "tailor.model_config";  // JSON object
inline constexpr const char* kMetaLabelMap = "tailor.label_map";  // JSON {"1": "Jackets", ...}
inline constexpr const char* kCheckpointFormatVersion = "tailor-checkpoint-1";

struct Checkpoint {
  std::vector<Tensor> tensors;  // each named
  std::map<std::string, std::string> metadata;

  // nullptr when absent.
  const Tensor* find(const std::string& name) const;
  // The metadata value, or throws UserError naming `path` and the key when absent.
  const std::string& meta(const std::string& key, const std::string& path) const;
};

// Atomically writes `ckpt` (temp file, fsync, rename), adding kMetaFormat.
void save_checkpoint(const std::string& path, const Checkpoint& ckpt);
// Reads a checkpoint written by save_checkpoint, or any valid safetensors file.
Checkpoint load_checkpoint(const std::string& path);

}  // namespace tailor::io
