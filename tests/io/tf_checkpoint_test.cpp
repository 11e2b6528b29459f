#include "engine/io/tf_checkpoint.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "io_test_util.h"
#include "models/model_config.h"
#include "models/model_summary.h"
#include "runtime/io/crc32c.h"
#include "runtime/io/sstable.h"

namespace tailor::io {
namespace {

using testing::copy_dir;
using ::testing::HasSubstr;
using testing::scratch_dir;
using testing::shared_path;
using testing::write_bytes;

const std::string kFixtures = "fixtures/tf_checkpoints/";

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const UserError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a UserError";
  return "";
}

TEST(TfCheckpoint, ReadsTinyScalars) {
  auto ckpt = TfCheckpoint::open(shared_path(kFixtures + "tf2onnx_tiny/model"));
  ASSERT_EQ(ckpt.entries().size(), 2u);
  EXPECT_EQ(ckpt.num_shards(), 1);
  Tensor w = ckpt.read("W");
  EXPECT_EQ(w.name(), "W");
  EXPECT_EQ(w.dtype(), DType::Float32);
  EXPECT_TRUE(w.shape().empty());
  EXPECT_FLOAT_EQ(w.item(), 0.21396178f);
  EXPECT_FLOAT_EQ(ckpt.read("b").item(), 1.0495254f);
  // The .index path opens the same checkpoint.
  auto again = TfCheckpoint::open(shared_path(kFixtures + "tf2onnx_tiny/model.index"));
  EXPECT_FLOAT_EQ(again.read("b").item(), 1.0495254f);
}

TEST(TfCheckpoint, ReadsEveryTensorOfTwoShards) {
  auto ckpt = TfCheckpoint::open(shared_path(kFixtures + "t2t_transformer_2shard/model.ckpt-1"));
  EXPECT_EQ(ckpt.num_shards(), 2);
  ASSERT_EQ(ckpt.entries().size(), 250u);
  std::map<std::string, int> per_dtype;
  std::map<int, int> per_shard;
  int64_t bytes = 0;
  for (const auto& e : ckpt.entries()) {
    ASSERT_TRUE(e.supported) << e.name;
    Tensor t = ckpt.read(e.name);  // CRC checked
    EXPECT_EQ(t.shape(), e.shape);
    EXPECT_EQ(t.dtype(), e.dtype);
    ++per_dtype[dtype_name(e.dtype)];
    ++per_shard[e.shard];
    bytes += e.size;
  }
  EXPECT_EQ(per_dtype["float32"], 248);
  EXPECT_EQ(per_dtype["int64"], 1);
  EXPECT_EQ(per_dtype["int32"], 1);
  EXPECT_EQ(per_shard[0], 5);
  EXPECT_EQ(per_shard[1], 245);
  EXPECT_EQ(bytes, 1670432);
  EXPECT_EQ(ckpt.find("global_step")->dtype, DType::Int64);
  EXPECT_EQ(ckpt.read("global_step").data<int64_t>()[0], 1);
  EXPECT_EQ(ckpt.find("train_stats/problem_0_steps")->dtype, DType::Int32);
  EXPECT_EQ(ckpt.find("transformer/symbol_modality_8190_16/shared/weights_13")->shape,
            (Shape{512, 16}));
  const auto* q = ckpt.find(
      "training/transformer/body/decoder/layer_0/self_attention/multihead_attention/q/kernel/Adam");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->shape, (Shape{16, 16}));
  EXPECT_EQ(q->shard, 1);
  EXPECT_EQ(q->offset, 15304);
}

TEST(TfCheckpoint, IndexOnlyListsTheSsdModelVariables) {
  auto ckpt = TfCheckpoint::open(
      shared_path(kFixtures + "ssd_mobilenet_v1_coco_2018_01_28_index_only/model.ckpt"));
  ASSERT_EQ(ckpt.entries().size(), 200u);
  int64_t bytes = 0;
  int floats = 0;
  std::set<std::string> listed;
  for (const auto& e : ckpt.entries()) {
    bytes += e.size;
    floats += e.dtype == DType::Float32;
    if (e.name != "global_step")
      listed.insert(e.name + "\t" + dtype_name(e.dtype) + "\t" + shape_str(e.shape));
  }
  EXPECT_EQ(floats, 199);
  EXPECT_EQ(ckpt.find("global_step")->dtype, DType::Int64);
  EXPECT_EQ(bytes, 27380740);
  // Exactly the variables of Tailor's SSD-MobileNet-v1 (1.0, 90 classes), names and shapes.
  std::ostringstream params;
  models::print_parameters(models::SsdConfig{}, params);
  std::set<std::string> model;
  std::istringstream lines(params.str());
  for (std::string line; std::getline(lines, line);) model.insert(line);
  EXPECT_EQ(listed, model);
  EXPECT_THAT(message_of([&] { ckpt.read("global_step"); }),
              HasSubstr("model.ckpt.data-00000-of-00001: missing shard 0 of 1"));
}

class CorruptCheckpoint : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = scratch_dir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    copy_dir(shared_path(kFixtures + "t2t_transformer_2shard"), dir_);
    prefix_ = dir_ + "/model.ckpt-1";
  }
  void edit(const std::string& path, const std::function<void(std::string&)>& f) {
    std::string bytes = read_file(path);
    f(bytes);
    write_bytes(path, bytes);
  }
  std::string dir_, prefix_;
  const std::string kTensor =
      "transformer/symbol_modality_8190_16/shared/weights_13";  // shard 1, offset 1310088
};

TEST_F(CorruptCheckpoint, FlippedDataByteIsACrcMismatch) {
  edit(prefix_ + ".data-00001-of-00002", [](std::string& b) { b[1310088 + 100] ^= 0x01; });
  auto ckpt = TfCheckpoint::open(prefix_);
  EXPECT_THAT(message_of([&] { ckpt.read(kTensor); }),
              HasSubstr("data-00001-of-00002: CRC mismatch in tensor '" + kTensor + "'"));
  EXPECT_NO_THROW(ckpt.read("global_step"));  // other tensors are intact
}

TEST_F(CorruptCheckpoint, FlippedIndexByteIsABlockCrcMismatch) {
  edit(prefix_ + ".index", [](std::string& b) { b[200] ^= 0x40; });
  EXPECT_THAT(message_of([&] { TfCheckpoint::open(prefix_); }),
              HasSubstr("model.ckpt-1.index: data block 0 at offset 0: block CRC mismatch"));
}

TEST_F(CorruptCheckpoint, BadMagic) {
  edit(prefix_ + ".index", [](std::string& b) { b[b.size() - 1] ^= 0xff; });
  EXPECT_THAT(message_of([&] { TfCheckpoint::open(prefix_); }),
              HasSubstr("model.ckpt-1.index: footer: bad magic 0x244775248b80fb57"));
}

TEST_F(CorruptCheckpoint, TruncatedFiles) {
  edit(prefix_ + ".data-00001-of-00002", [](std::string& b) { b.resize(b.size() / 2); });
  auto ckpt = TfCheckpoint::open(prefix_);
  EXPECT_THAT(message_of([&] { ckpt.read(kTensor); }),
              HasSubstr("runs past the end of the shard (835204 bytes); the file is truncated"));
  edit(prefix_ + ".index", [](std::string& b) { b.resize(b.size() - 10); });
  EXPECT_THAT(message_of([&] { TfCheckpoint::open(prefix_); }), HasSubstr("bad magic"));
  edit(prefix_ + ".index", [](std::string& b) { b.resize(20); });
  EXPECT_THAT(message_of([&] { TfCheckpoint::open(prefix_); }),
              HasSubstr("20 bytes is too small for an SSTable"));
}

TEST_F(CorruptCheckpoint, MissingShard) {
  std::filesystem::remove(prefix_ + ".data-00000-of-00002");
  auto ckpt = TfCheckpoint::open(prefix_);
  EXPECT_NO_THROW(ckpt.read(kTensor));
  EXPECT_THAT(message_of([&] { ckpt.read("global_step"); }),
              HasSubstr("data-00000-of-00002: missing shard 0 of 2 (needed for tensor "
                        "'global_step')"));
}

TEST(TfCheckpoint, MissingIndexAndUnknownTensor) {
  EXPECT_THAT(message_of([] { TfCheckpoint::open("/nonexistent/model.ckpt"); }),
              HasSubstr("/nonexistent/model.ckpt.index: no such checkpoint index"));
  auto ckpt = TfCheckpoint::open(shared_path(kFixtures + "tf2onnx_tiny/model"));
  EXPECT_THAT(message_of([&] { ckpt.read("nope"); }), HasSubstr("no tensor named 'nope'"));
}

// A one-block SSTable written by hand, to reach the errors the fixtures cannot: compressed
// blocks and sliced variables.
std::string varint(uint64_t v) {
  std::string s;
  do {
    s.push_back(static_cast<char>((v & 0x7f) | (v > 0x7f ? 0x80 : 0)));
    v >>= 7;
  } while (v);
  return s;
}
std::string fixed32(uint32_t v) {
  return std::string(reinterpret_cast<char*>(&v), 4);
}

std::string block_with_trailer(const KeyValues& kvs, uint8_t type) {
  std::string b;
  for (const auto& [k, v] : kvs) b += varint(0) + varint(k.size()) + varint(v.size()) + k + v;
  b += fixed32(0) + fixed32(1);  // one restart point, at offset 0
  std::string with_type = b + std::string(1, static_cast<char>(type));
  return with_type + fixed32(crc32c_mask(crc32c(with_type.data(), with_type.size())));
}

std::string sstable(const KeyValues& kvs, uint8_t type) {
  std::string data = block_with_trailer(kvs, type);
  std::string meta = block_with_trailer({}, 0);
  std::string index = block_with_trailer({{"~", varint(0) + varint(data.size() - 5)}}, 0);
  std::string footer = varint(data.size()) + varint(meta.size() - 5) +
                       varint(data.size() + meta.size()) + varint(index.size() - 5);
  footer.resize(40, '\0');
  uint64_t magic = kSSTableMagic;
  footer.append(reinterpret_cast<char*>(&magic), 8);
  return data + meta + index + footer;
}

TEST(TfCheckpoint, HandWrittenIndexErrors) {
  using namespace std::string_literals;
  const std::string dir = scratch_dir("hand_written");
  const std::string header = "\x08\x01";  // num_shards 1
  // dtype float, shape [], size 4, crc, plus a slice (field 7).
  const std::string entry = "\x08\x01\x12\x00\x28\x04\x35"s + fixed32(0);
  write_bytes(dir + "/ok.index", sstable({{"", header}, {"x", entry}}, 0));
  EXPECT_EQ(TfCheckpoint::open(dir + "/ok").entries().at(0).name, "x");
  write_bytes(dir + "/sliced.index", sstable({{"", header}, {"x", entry + "\x3a\x00"s}}, 0));
  EXPECT_THAT(message_of([&] { TfCheckpoint::open(dir + "/sliced"); }),
              HasSubstr("entry 'x': sliced/partitioned variables not supported"));
  write_bytes(dir + "/snappy.index", sstable({{"", header}, {"x", entry}}, 1));
  EXPECT_THAT(message_of([&] { TfCheckpoint::open(dir + "/snappy"); }),
              HasSubstr("data block 0: compressed blocks not supported (snappy)"));
  // A varint that claims more bytes than the entry has.
  write_bytes(dir + "/overrun.index", sstable({{"", header}, {"x", std::string("\x12\x7f")}}, 0));
  EXPECT_THAT(message_of([&] { TfCheckpoint::open(dir + "/overrun"); }),
              HasSubstr("runs past the end"));
}

}  // namespace
}  // namespace tailor::io
