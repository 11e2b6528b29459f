#include "engine/io/safetensors.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>

#include "engine/io/checkpoint.h"
#include "io_test_util.h"

namespace tailor::io {
namespace {

using ::testing::HasSubstr;

std::string error_of(const std::string& bytes) {
  try {
    decode_safetensors(bytes, "x.safetensors");
  } catch (const UserError& e) {
    return e.what();
  }
  return "no error";
}

// A file with the given header text and `data_bytes` zero bytes of data.
std::string file_with_header(const std::string& header, size_t data_bytes) {
  uint64_t n = header.size();
  return std::string(reinterpret_cast<char*>(&n), 8) + header + std::string(data_bytes, '\0');
}

TEST(Safetensors, RoundTripsEveryDtypeAndMetadata) {
  const std::string dir = testing::scratch_dir("safetensors_round_trip");
  Tensor w = Tensor::from_vector({1.5f, -2.f, 3.25f, 0.f, 1e-8f, -7.f}, {1, 2, 3});
  w.set_name("FeatureExtractor/MobilenetV1/Conv2d_0/weights");
  Tensor step = Tensor::zeros({}, DType::Int64);
  step.data<int64_t>()[0] = (int64_t(1) << 40) + 3;
  step.set_name("global_step");
  Tensor ids = Tensor::from_vector_i32({-1, 7}, {2});
  ids.set_name("ids");
  Tensor bytes = Tensor::zeros({3}, DType::UInt8);
  bytes.data<uint8_t>()[2] = 255;
  bytes.set_name("bytes");
  Tensor empty = Tensor::zeros({0, 4});
  empty.set_name("empty");
  // A strided view is written packed.
  Tensor col = Tensor::from_vector({1, 2, 3, 4}, {2, 2}).slice(1, 1, 2);
  col.set_name("col");

  Checkpoint ckpt;
  ckpt.tensors = {w, step, ids, bytes, empty, col};
  ckpt.metadata[kMetaGlobalStep] = "1099511627779";
  ckpt.metadata[kMetaLabelMap] = R"({"1": "Jackets", "9": "Tshirts"})";
  const std::string path = dir + "/ckpt.safetensors";
  save_checkpoint(path, ckpt);

  const std::string file = read_file(path);
  uint64_t n;
  std::memcpy(&n, file.data(), 8);
  EXPECT_EQ((8 + n) % 8, 0u);  // data is 8-byte aligned
  EXPECT_EQ(file.size(), 8 + n + 24 + 8 + 8 + 3 + 0 + 8);

  Checkpoint back = load_checkpoint(path);
  ASSERT_EQ(back.tensors.size(), 6u);
  EXPECT_EQ(back.find("FeatureExtractor/MobilenetV1/Conv2d_0/weights")->shape(), (Shape{1, 2, 3}));
  EXPECT_EQ(back.find("FeatureExtractor/MobilenetV1/Conv2d_0/weights")->to_vector(), w.to_vector());
  EXPECT_EQ(back.find("global_step")->data<int64_t>()[0], (int64_t(1) << 40) + 3);
  EXPECT_EQ(back.find("ids")->to_vector_i32(), (std::vector<int32_t>{-1, 7}));
  EXPECT_EQ(back.find("bytes")->data<uint8_t>()[2], 255);
  EXPECT_EQ(back.find("empty")->shape(), (Shape{0, 4}));
  EXPECT_EQ(back.find("col")->to_vector(), (std::vector<float>{2, 4}));
  EXPECT_EQ(back.meta(kMetaFormat, path), kCheckpointFormatVersion);
  EXPECT_EQ(back.meta(kMetaGlobalStep, path), "1099511627779");
  EXPECT_EQ(back.meta(kMetaLabelMap, path), R"({"1": "Jackets", "9": "Tshirts"})");
  EXPECT_THROW(back.meta(kMetaModelConfig, path), UserError);
}

TEST(Safetensors, RejectsBadNames) {
  Tensor a = Tensor::zeros({1});
  EXPECT_THROW(encode_safetensors({a}, {}), UserError);  // unnamed
  a.set_name("a");
  Tensor b = Tensor::zeros({1});
  b.set_name("a");
  EXPECT_THAT(
      [&] {
        try {
          encode_safetensors({a, b}, {});
        } catch (const UserError& e) {
          return std::string(e.what());
        }
        return std::string();
      }(),
      HasSubstr("duplicate tensor name 'a'"));
}

TEST(Safetensors, StrictValidation) {
  EXPECT_THAT(error_of("abc"), HasSubstr("x.safetensors: 3 bytes is too small"));
  std::string huge(8, '\0');
  uint64_t n = 200'000'000;
  std::memcpy(huge.data(), &n, 8);
  EXPECT_THAT(error_of(huge), HasSubstr("header length 200000000 bytes is over the limit"));
  n = 50;
  std::memcpy(huge.data(), &n, 8);
  EXPECT_THAT(error_of(huge + "{}"), HasSubstr("runs past the end"));
  EXPECT_THAT(error_of(file_with_header("[1]", 0)), HasSubstr("header is not a JSON object"));
  EXPECT_THAT(error_of(file_with_header("{", 0)), HasSubstr("header is not a JSON object"));
  const std::string ok = R"("a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})";
  EXPECT_EQ(decode_safetensors(file_with_header("{" + ok + "}", 8), "x").tensors.size(), 1u);
  EXPECT_THAT(error_of(file_with_header("{" + ok + "}", 12)),
              HasSubstr("4 unreferenced bytes after the last tensor"));
  EXPECT_THAT(error_of(file_with_header("{" + ok + "}", 4)),
              HasSubstr("'a'.data_offsets [0,8] are out of the 4-byte data buffer"));
  EXPECT_THAT(
      error_of(file_with_header(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8)),
      HasSubstr("'a': 8 bytes do not match float32 [3]"));
  EXPECT_THAT(
      error_of(file_with_header(R"({"a":{"dtype":"F16","shape":[4],"data_offsets":[0,8]}})", 8)),
      HasSubstr("'a'.dtype \"F16\" is not supported"));
  EXPECT_THAT(error_of(file_with_header(
                  "{" + ok + R"(,"b":{"dtype":"U8","shape":[4],"data_offsets":[4,8]}})", 8)),
              HasSubstr("tensor 'b' overlaps"));
  EXPECT_THAT(
      error_of(file_with_header(R"({"a":{"dtype":"U8","shape":[-1],"data_offsets":[0,8]}})", 8)),
      HasSubstr("'a'.shape[] must be a non-negative integer"));
  EXPECT_THAT(error_of(file_with_header(R"({"__metadata__":{"k":1}})", 0)),
              HasSubstr("'__metadata__'.k must be a string"));
}

}  // namespace
}  // namespace tailor::io
