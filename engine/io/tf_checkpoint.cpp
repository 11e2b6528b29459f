#include "engine/io/tf_checkpoint.h"

#include <sys/stat.h>

#include <cstdio>
#include <fstream>

#include "runtime/io/atomic_file.h"
#include "runtime/io/crc32c.h"
#include "runtime/io/protobuf_wire.h"
#include "runtime/io/sstable.h"

namespace tailor::io {

namespace {

constexpr size_t kMaxIndexBytes = size_t(1) << 30;

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool file_exists(const std::string& path, int64_t* size = nullptr) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  if (size) *size = st.st_size;
  return true;
}

std::string strip_index(const std::string& path) {
  return ends_with(path, ".index") ? path.substr(0, path.size() - 6) : path;
}

bool tf_dtype_to_tailor(int tf, DType* out) {
  switch (tf) {
    case 1:
      *out = DType::Float32;
      return true;  // DT_FLOAT
    case 3:
      *out = DType::Int32;
      return true;  // DT_INT32
    case 9:
      *out = DType::Int64;
      return true;  // DT_INT64
    case 4:
      *out = DType::UInt8;
      return true;  // DT_UINT8
    default:
      return false;
  }
}

Shape parse_shape(std::string_view bytes, const std::string& context) {
  Shape shape;
  bool unknown_rank = false;
  for_each_field(bytes, context, [&](const WireField& f) {
    if (f.number == 2 && f.type == WireType::LengthDelimited) {  // repeated Dim dim
      int64_t size = 0;
      for_each_field(f.bytes, context + " dim", [&](const WireField& d) {
        if (d.number == 1 && d.type == WireType::Varint) size = static_cast<int64_t>(d.value);
      });
      if (size < 0)
        throw UserError(context + ": dimension " + std::to_string(size) + " is not a known size");
      shape.push_back(size);
    } else if (f.number == 3 && f.type == WireType::Varint) {
      unknown_rank = f.value != 0;
    }
  });
  if (unknown_rank) throw UserError(context + ": shape has unknown rank");
  return shape;
}

TfCheckpointEntry parse_entry(const std::string& name, std::string_view bytes,
                              const std::string& index_path) {
  const std::string context = index_path + ": entry '" + name + "'";
  TfCheckpointEntry e;
  e.name = name;
  bool sliced = false;
  for_each_field(bytes, context, [&](const WireField& f) {
    switch (f.number) {
      case 1:
        e.tf_dtype = static_cast<int>(f.value);
        break;
      case 2:
        if (f.type == WireType::LengthDelimited) e.shape = parse_shape(f.bytes, context + " shape");
        break;
      case 3:
        e.shard = static_cast<int32_t>(f.value);
        break;
      case 4:
        e.offset = static_cast<int64_t>(f.value);
        break;
      case 5:
        e.size = static_cast<int64_t>(f.value);
        break;
      case 6:
        e.crc32c = crc32c_unmask(static_cast<uint32_t>(f.value));
        break;
      case 7:
        sliced = true;
        break;
      default:
        break;
    }
  });
  if (sliced)
    throw UserError(context + ": sliced/partitioned variables not supported; save the variable " +
                    "unpartitioned");
  if (e.offset < 0 || e.size < 0) throw UserError(context + ": negative offset or size");
  e.supported = tf_dtype_to_tailor(e.tf_dtype, &e.dtype);
  if (e.supported) {
    uint64_t numel = 1;
    for (int64_t d : e.shape)
      if (__builtin_mul_overflow(numel, static_cast<uint64_t>(d), &numel))
        throw UserError(context + ": shape " + shape_str(e.shape) + " overflows");
    uint64_t bytes_needed;
    if (__builtin_mul_overflow(numel, dtype_size(e.dtype), &bytes_needed) ||
        bytes_needed != static_cast<uint64_t>(e.size))
      throw UserError(context + ": size " + std::to_string(e.size) + " bytes does not match " +
                      dtype_name(e.dtype) + " " + shape_str(e.shape));
  }
  return e;
}

}  // namespace

std::string tf_dtype_label(const TfCheckpointEntry& e) {
  return e.supported ? dtype_name(e.dtype) : "tf_dtype_" + std::to_string(e.tf_dtype);
}

bool is_tf_checkpoint(const std::string& path) {
  return file_exists(strip_index(path) + ".index");
}

TfCheckpoint TfCheckpoint::open(const std::string& path) {
  const std::string index_path = strip_index(path) + ".index";
  TAILOR_CHECK(file_exists(index_path), UserError, index_path,
               ": no such checkpoint index (give the checkpoint prefix or its .index file)");
  return parse_index(read_file(index_path, kMaxIndexBytes), index_path);
}

TfCheckpoint TfCheckpoint::parse_index(std::string_view file, const std::string& index_path) {
  TfCheckpoint ckpt;
  ckpt.prefix_ = strip_index(index_path);
  KeyValues kvs = read_sstable(file, index_path);
  TAILOR_CHECK(!kvs.empty() && kvs.front().first.empty(), UserError, index_path,
               ": no bundle header (the entry with the empty key)");
  for_each_field(kvs.front().second, index_path + ": bundle header", [&](const WireField& f) {
    if (f.number == 1) ckpt.num_shards_ = static_cast<int>(f.value);
    if (f.number == 2 && f.value != 0)
      throw UserError(index_path + ": big-endian checkpoints are not supported");
  });
  TAILOR_CHECK(ckpt.num_shards_ >= 1 && ckpt.num_shards_ <= 99999, UserError, index_path,
               ": bundle header num_shards ", ckpt.num_shards_, " is invalid");
  for (size_t i = 1; i < kvs.size(); ++i) {
    TfCheckpointEntry e = parse_entry(kvs[i].first, kvs[i].second, index_path);
    TAILOR_CHECK(e.shard >= 0 && e.shard < ckpt.num_shards_, UserError, index_path, ": entry '",
                 e.name, "' is in shard ", e.shard, " of ", ckpt.num_shards_);
    ckpt.by_name_[e.name] = ckpt.entries_.size();
    ckpt.entries_.push_back(std::move(e));
  }
  return ckpt;
}

std::string TfCheckpoint::shard_path(int shard) const {
  char suffix[64];
  std::snprintf(suffix, sizeof suffix, ".data-%05d-of-%05d", shard, num_shards_);
  return prefix_ + suffix;
}

const TfCheckpointEntry* TfCheckpoint::find(const std::string& name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : &entries_[it->second];
}

Tensor TfCheckpoint::read(const std::string& name) const {
  const TfCheckpointEntry* e = find(name);
  TAILOR_CHECK(e, UserError, prefix_, ".index: no tensor named '", name, "'");
  TAILOR_CHECK(e->supported, UserError, prefix_, ".index: tensor '", name, "' has ",
               tf_dtype_label(*e), ", which Tailor does not read (float32, int32, int64, uint8)");
  const std::string shard = shard_path(e->shard);
  int64_t shard_size = 0;
  TAILOR_CHECK(file_exists(shard, &shard_size), UserError, shard, ": missing shard ", e->shard,
               " of ", num_shards_, " (needed for tensor '", name, "')");
  TAILOR_CHECK(e->offset <= shard_size && e->size <= shard_size - e->offset, UserError, shard,
               ": tensor '", name, "' at offset ", e->offset, " size ", e->size,
               " runs past the end of the shard (", shard_size, " bytes); the file is truncated");
  Tensor t = Tensor::empty(e->shape, e->dtype);
  std::ifstream in(shard, std::ios::binary);
  in.seekg(e->offset);
  in.read(static_cast<char*>(t.raw_data()), e->size);
  TAILOR_CHECK(in && in.gcount() == e->size, UserError, shard, ": short read of tensor '", name,
               "'");
  const uint32_t actual = crc32c(t.raw_data(), static_cast<size_t>(e->size));
  TAILOR_CHECK(actual == e->crc32c, UserError, shard, ": CRC mismatch in tensor '", name,
               "' (index says ", e->crc32c, ", data has ", actual, "); the checkpoint is corrupt");
  t.set_name(name);
  return t;
}

}  // namespace tailor::io
