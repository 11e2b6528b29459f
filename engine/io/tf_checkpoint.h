#pragma once
// TensorFlow V2 checkpoints (the "tensor bundle" format): PREFIX.index, an SSTable mapping ""
// to a BundleHeaderProto and each variable name to a BundleEntryProto (dtype, shape, shard,
// offset, size, masked crc32c), plus data shards PREFIX.data-0000K-of-0000N holding the raw
// little-endian tensor bytes. Opening reads only the index, so an index without its data files
// can still be listed; reading a tensor then fails with "missing shard".
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/tensor.h"

namespace tailor::io {

struct TfCheckpointEntry {
  std::string name;
  int tf_dtype = 0;        // TF DataType enum value (DT_FLOAT = 1, DT_INT32 = 3, DT_INT64 = 9)
  bool supported = false;  // dtype is one Tailor reads; `dtype` is valid only then
  DType dtype = DType::Float32;
  Shape shape;
  int32_t shard = 0;
  int64_t offset = 0;
  int64_t size = 0;
  uint32_t crc32c = 0;  // unmasked
};

// "float32", "int32", "int64", or "tf_dtype_N" for types Tailor does not read.
std::string tf_dtype_label(const TfCheckpointEntry& e);

// True when `path` names a TF checkpoint: PREFIX.index exists (path may be the prefix or the
// .index file).
bool is_tf_checkpoint(const std::string& path);

class TfCheckpoint {
 public:
  // `path` is the prefix or PREFIX.index. Throws UserError naming the file on a missing or
  // corrupt index, sliced (partitioned) variables, compressed blocks, or a big-endian bundle.
  static TfCheckpoint open(const std::string& path);
  // The same from index bytes already in memory; `index_path` names the file in errors and
  // gives the prefix of the data shards.
  static TfCheckpoint parse_index(std::string_view file, const std::string& index_path);

  const std::string& prefix() const { return prefix_; }
  int num_shards() const { return num_shards_; }
  std::string shard_path(int shard) const;

  // In key (name) order.
  const std::vector<TfCheckpointEntry>& entries() const { return entries_; }
  const TfCheckpointEntry* find(const std::string& name) const;

  // Reads one tensor from its shard, verifies its crc32c and names it. Throws UserError naming
  // the file and tensor for an unknown name, missing shard, truncated shard, CRC mismatch or
  // unsupported dtype.
  Tensor read(const std::string& name) const;

 private:
  std::string prefix_;
  int num_shards_ = 1;
  std::vector<TfCheckpointEntry> entries_;
  std::unordered_map<std::string, size_t> by_name_;
};

}  // namespace tailor::io
