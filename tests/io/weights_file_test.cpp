#include "engine/io/weights_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "engine/io/safetensors.h"
#include "io_test_util.h"

namespace tailor::io {
namespace {

using testing::shared_path;

TEST(WeightsFile, DetectsAndListsEachFormat) {
  const std::string tiny = shared_path("fixtures/tf_checkpoints/tf2onnx_tiny/model");
  const std::string tflite = shared_path("weights/ssd_mobilenet_v1_0.75_quant_coco/detect.tflite");
  EXPECT_EQ(detect_weights_format(tiny), WeightsFormat::TfCheckpoint);
  EXPECT_EQ(detect_weights_format(tiny + ".index"), WeightsFormat::TfCheckpoint);
  EXPECT_EQ(detect_weights_format(tflite), WeightsFormat::Tflite);
  EXPECT_THROW(detect_weights_format(shared_path("README.md")), UserError);

  const auto ckpt = list_tensors(tiny);
  ASSERT_EQ(ckpt.size(), 2u);
  EXPECT_EQ(listing_line(ckpt[0]), "W\tfloat32\t[]\t4");

  // .tflite lists its constant tensors as stored.
  const auto lite = list_tensors(tflite);
  const auto anchors =
      std::find_if(lite.begin(), lite.end(), [](const auto& t) { return t.name == "anchors"; });
  ASSERT_NE(anchors, lite.end());
  EXPECT_EQ(listing_line(*anchors), "anchors\tuint8\t[1917,4]\t7668");
  const auto tensors = read_tensors(tflite);
  ASSERT_EQ(tensors.size(), lite.size());
  for (const Tensor& t : tensors)
    if (t.name() == "anchors") EXPECT_EQ(t.dtype(), DType::Float32);  // dequantized

  // A TF checkpoint converted to safetensors lists the same tensors.
  const std::string dir = testing::scratch_dir("weights_file");
  write_safetensors(dir + "/t.safetensors", read_tensors(tiny), {});
  EXPECT_EQ(detect_weights_format(dir + "/t.safetensors"), WeightsFormat::Safetensors);
  const auto st = list_tensors(dir + "/t.safetensors");
  ASSERT_EQ(st.size(), 2u);
  EXPECT_EQ(listing_line(st[1]), "b\tfloat32\t[]\t4");
  EXPECT_FLOAT_EQ(read_tensors(dir + "/t.safetensors")[1].item(), 1.0495254f);
}

}  // namespace
}  // namespace tailor::io
