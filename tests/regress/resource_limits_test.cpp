// Hostile sizes are refused with a clear UserError before anything of that size is allocated:
// each case below claims gigabytes to terabytes, so an allocate-then-check reader would die by
// bad_alloc or the sanitizer's allocation limit instead of throwing UserError.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>
#include <zlib.h>

#include <cstring>
#include <filesystem>
#include <string>

#include "data/image.h"
#include "data/tfrecord.h"
#include "engine/io/safetensors.h"
#include "engine/io/tflite.h"
#include "pipeline/config/pipeline_config.h"
#include "runtime/error.h"
#include "runtime/io/atomic_file.h"
#include "runtime/io/crc32c.h"
#include "tests/support/user_error.h"

namespace tailor {
namespace {

using ::testing::HasSubstr;

const std::string kShared = TAILOR_SHARED_DIR;

using testing::user_error_of;

void put_be32(std::string* s, uint32_t v) {
  for (int k = 3; k >= 0; --k) s->push_back(static_cast<char>(v >> (8 * k)));
}

std::string png_chunk(const std::string& type, const std::string& data) {
  std::string c;
  put_be32(&c, static_cast<uint32_t>(data.size()));
  c += type + data;
  const std::string td = type + data;
  put_be32(&c, static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(td.data()),
                                           static_cast<uInt>(td.size()))));
  return c;
}

TEST(ResourceLimits, PngHeaderOverThePixelLimit) {
  // 100000 x 100000 RGB (30 GB decoded) declared in a 60-byte file.
  std::string ihdr;
  put_be32(&ihdr, 100000);
  put_be32(&ihdr, 100000);
  ihdr += std::string("\x08\x02\x00\x00\x00", 5);
  const std::string idat_raw(4, '\0');
  std::string idat(64, '\0');
  uLongf n = idat.size();
  compress(reinterpret_cast<Bytef*>(idat.data()), &n,
           reinterpret_cast<const Bytef*>(idat_raw.data()), idat_raw.size());
  idat.resize(n);
  const std::string png = std::string("\x89PNG\r\n\x1a\n", 8) + png_chunk("IHDR", ihdr) +
                          png_chunk("IDAT", idat) + png_chunk("IEND", "");
  const std::string e = user_error_of([&] { data::decode_image(png, "huge.png"); });
  EXPECT_THAT(e, HasSubstr("huge.png"));
  EXPECT_THAT(e, HasSubstr("over the limit"));
}

TEST(ResourceLimits, JpegHeaderOverThePixelLimit) {
  // A real photo whose frame header now says 60000 x 60000 (10.8 GB decoded).
  std::string jpg = io::read_file(kShared + "/data/seed_tfrecord_fixture/images/03e9700a.jpg");
  size_t sof = std::string::npos;
  for (size_t i = 2; i + 9 < jpg.size(); ++i)
    if (static_cast<uint8_t>(jpg[i]) == 0xff &&
        (static_cast<uint8_t>(jpg[i + 1]) == 0xc0 || static_cast<uint8_t>(jpg[i + 1]) == 0xc2)) {
      sof = i;
      break;
    }
  ASSERT_NE(sof, std::string::npos);
  for (size_t k : {sof + 5, sof + 7}) {  // height, then width, big-endian
    jpg[k] = static_cast<char>(60000 >> 8);
    jpg[k + 1] = static_cast<char>(60000 & 0xff);
  }
  const std::string e = user_error_of([&] { data::decode_image(jpg, "huge.jpg"); });
  EXPECT_THAT(e, HasSubstr("huge.jpg"));
  EXPECT_THAT(e, HasSubstr("over the limit"));
}

std::string tfrecord_header(uint64_t length) {
  std::string h(reinterpret_cast<const char*>(&length), 8);
  const uint32_t crc = io::crc32c_mask(io::crc32c(h.data(), 8));
  h.append(reinterpret_cast<const char*>(&crc), 4);
  return h;
}

TEST(ResourceLimits, TfRecordLengthOverTheLimitOrPastTheEnd) {
  // A valid length CRC, so only the size checks stand between the header and the allocation.
  std::string e = user_error_of([&] {
    auto r = data::TfRecordReader::from_bytes(tfrecord_header(uint64_t(1) << 40), "big.record");
    std::string payload;
    r.next(&payload);
  });
  EXPECT_THAT(e, HasSubstr("big.record: record 0: length 1099511627776 exceeds the limit"));

  // Under the 256 MiB limit, but the file holds 20 bytes: refused from the file size.
  const std::string dir = std::string(TAILOR_BINARY_DIR) + "/test_scratch/regress";
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/short.record";
  io::write_file_atomic(path, tfrecord_header(200u << 20) + "12345678");
  e = user_error_of([&] { data::read_tfrecord_file(path); });
  EXPECT_THAT(
      e,
      HasSubstr(path + ": record 0: truncated payload (length 209715200 but only 8 bytes remain)"));
}

std::string safetensors_with_header(const std::string& json) {
  const uint64_t n = json.size();
  return std::string(reinterpret_cast<const char*>(&n), 8) + json;
}

TEST(ResourceLimits, SafetensorsHeaderAndShapeSizes) {
  uint64_t n = uint64_t(1) << 62;
  std::string e = user_error_of([&] {
    io::decode_safetensors(std::string(reinterpret_cast<const char*>(&n), 8) + "{}", "big.st");
  });
  EXPECT_THAT(e, HasSubstr("big.st"));
  EXPECT_THAT(e, HasSubstr("over the limit"));
  // A shape of 2^93 elements backed by 4 bytes.
  e = user_error_of([&] {
    io::decode_safetensors(
        safetensors_with_header(
            R"({"w":{"dtype":"F32","shape":[2147483648,2147483648,2147483648],"data_offsets":[0,4]}})") +
            "abcd",
        "shape.st");
  });
  EXPECT_THAT(e, HasSubstr("shape.st"));
  EXPECT_THAT(e, HasSubstr("'w'"));
}

TEST(ResourceLimits, TfliteTensorShapeFarBeyondItsBuffer) {
  // Conv2d_0's weights [24,3,3,3]: their shape vector (length 4, then the dims) becomes
  // [2^31-1,3,3,3], 58 billion elements over a 648-byte buffer.
  std::string bytes =
      io::read_file(kShared + "/weights/ssd_mobilenet_v1_0.75_quant_coco/detect.tflite");
  const int32_t want[5] = {4, 24, 3, 3, 3};
  const std::string needle(reinterpret_cast<const char*>(want), sizeof want);
  size_t at = bytes.find(needle);
  ASSERT_NE(at, std::string::npos);
  const int32_t huge = 0x7fffffff;
  std::memcpy(&bytes[at + 4], &huge, 4);
  const std::string e = user_error_of([&] { io::TfliteModel::parse(bytes, "huge.tflite"); });
  EXPECT_THAT(e, HasSubstr("huge.tflite"));
  EXPECT_THAT(e, HasSubstr("2147483647"));
}

std::string config_error(const std::string& key, const std::string& replacement) {
  std::string text =
      io::read_file(std::string(TAILOR_SOURCE_DIR) + "/configs/ssd_mobilenet_v1_clothing.yaml");
  const size_t at = text.find(key + ":");
  if (at == std::string::npos) return "key " + key + " not in the config";
  text.replace(at, text.find('\n', at) - at, key + ": " + replacement);
  return user_error_of(
      [&] { pipeline::parse_pipeline_config(YAML::Load(text), "/cfg/absurd.yaml"); });
}

TEST(ResourceLimits, ConfigsWithAbsurdBatchImageAndAnchorSizes) {
  EXPECT_THAT(config_error("batch_size", "100000000"), HasSubstr("train.batch_size must be in"));
  EXPECT_THAT(config_error("batch_size", "99999999999999"), HasSubstr("train.batch_size"));
  EXPECT_THAT(config_error("image_height", "1000000"), HasSubstr("model.ssd.image_height"));
  EXPECT_THAT(config_error("image_width", "-5"), HasSubstr("model.ssd.image_width"));
  EXPECT_THAT(config_error("num_layers", "100000"), HasSubstr("model.ssd.anchors.num_layers"));
  std::string ratios = "[1.0";
  for (int k = 1; k < 200; ++k) ratios += ", 1.0";
  EXPECT_THAT(config_error("aspect_ratios", ratios + "]"),
              HasSubstr("model.ssd.anchors.aspect_ratios must hold 1 to 16"));
  EXPECT_THAT(config_error("threads", "1000000"), HasSubstr("train.threads"));
}

}  // namespace
}  // namespace tailor
