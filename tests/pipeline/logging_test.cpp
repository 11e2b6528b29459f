#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>

#include "pipeline/logging/event_writer.h"
#include "pipeline/logging/metrics_csv.h"
#include "runtime/error.h"
#include "runtime/io/crc32c.h"
#include "runtime/io/protobuf_wire.h"
#include "tests/pipeline/test_util.h"

namespace tailor::pipeline {
namespace {

using testing::read_text;
using testing::scratch_dir;

TEST(ProtoWire, KnownEncoding) {
  // Event{step: 300} is field 2 varint: tag 0x10, 300 = 0xac 0x02.
  io::ProtoWriter w;
  w.varint_field(2, 300);
  EXPECT_EQ(w.bytes(), std::string("\x10\xac\x02", 3));
  io::ProtoWriter f;
  f.float_field(2, 1.0f);  // tag 0x15, then 0x3f800000 little-endian
  EXPECT_EQ(f.bytes(), std::string("\x15\x00\x00\x80\x3f", 5));
}

TEST(EventWriter, RoundTripWithCrcs) {
  const std::string dir = scratch_dir("events");
  std::string path;
  {
    EventWriter w(dir);
    path = w.path();
    w.add_scalars(10, {{"loss/total", 2.5}, {"learning_rate", 0.004}}, 1000.25);
    w.add_scalars(20, {{"loss/total", 1.75}}, 1001.5);
    w.flush();
  }
  EXPECT_EQ(std::filesystem::path(path).filename().string().rfind("events.out.tfevents.", 0), 0u);
  const EventFileContents c = read_event_file(path);
  EXPECT_EQ(c.file_version, "brain.Event:2");
  ASSERT_EQ(c.scalars.size(), 3u);
  EXPECT_EQ(c.scalars[0].step, 10);
  EXPECT_EQ(c.scalars[0].tag, "loss/total");
  EXPECT_EQ(c.scalars[0].value, 2.5f);
  EXPECT_EQ(c.scalars[0].wall_time, 1000.25);
  EXPECT_EQ(c.scalars[1].tag, "learning_rate");
  EXPECT_EQ(c.scalars[1].value, 0.004f);
  EXPECT_EQ(c.scalars[2].step, 20);
  EXPECT_EQ(c.scalars[2].value, 1.75f);

  // The framing by hand: record 0 length, its masked CRC.
  const std::string bytes = read_text(path);
  uint64_t n;
  std::memcpy(&n, bytes.data(), 8);
  uint32_t len_crc;
  std::memcpy(&len_crc, bytes.data() + 8, 4);
  EXPECT_EQ(len_crc, io::crc32c_mask(io::crc32c(bytes.data(), 8)));
  EXPECT_EQ(bytes.size() > 12 + n, true);
  // A flipped payload byte is caught.
  std::string bad = bytes;
  bad[12 + n + 4 + 12 + 3] ^= 0x40;
  testing::write_text(dir + "/bad", bad);
  EXPECT_THROW(read_event_file(dir + "/bad"), UserError);
  testing::write_text(dir + "/short", bytes.substr(0, bytes.size() - 2));
  EXPECT_THROW(read_event_file(dir + "/short"), UserError);
}

TEST(MetricsCsv, LateColumnsAndResume) {
  const std::string dir = scratch_dir("metrics_csv");
  const std::string path = dir + "/metrics.csv";
  {
    MetricsCsv m(path);
    m.add(10, {{"loss", 2.0}, {"lr", 0.004}}, 100.0);
    m.add(20, {{"loss", 1.5}, {"lr", 0.004}, {"eval/mAP", 0.25}}, 110.0);
    m.add(30, {{"loss", 1.25}, {"lr", 0.004}}, 120.0);
    m.flush();
  }
  EXPECT_EQ(read_text(path),
            "step,wall_time,loss,lr,eval/mAP\n"
            "10,100,2,0.004,\n"
            "20,110,1.5,0.004,0.25\n"
            "30,120,1.25,0.004,\n");
  MetricsCsv resumed(path, 20);  // checkpoint at step 20: row 30 is dropped
  EXPECT_EQ(resumed.table().rows.size(), 2u);
  EXPECT_EQ(resumed.table().rows[1].values.at("eval/mAP"), 0.25);
  EXPECT_THROW(parse_metrics_csv("step,wall_time,a\n1,2\n", "m.csv"), UserError);
  EXPECT_THROW(parse_metrics_csv("time,step\n", "m.csv"), UserError);
  try {
    parse_metrics_csv("step,wall_time,a\n1,2,x\n", "m.csv");
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("m.csv:2: column a"), std::string::npos);
  }
}

}  // namespace
}  // namespace tailor::pipeline
