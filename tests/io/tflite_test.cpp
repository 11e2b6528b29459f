#include "engine/io/tflite.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <map>

#include "io_test_util.h"
#include "runtime/io/atomic_file.h"

namespace tailor::io {
namespace {

using ::testing::HasSubstr;

const std::string kModel = "weights/ssd_mobilenet_v1_0.75_quant_coco/detect.tflite";

const TfliteModel& model() {
  static const TfliteModel m = TfliteModel::open(testing::shared_path(kModel));
  return m;
}

TEST(Tflite, TensorsAndOperators) {
  const TfliteModel& m = model();
  EXPECT_EQ(m.version(), 3u);
  ASSERT_EQ(m.tensors().size(), 176u);
  ASSERT_EQ(m.operators().size(), 64u);
  std::map<std::string, int> ops;
  for (const auto& op : m.operators()) ++ops[op.op_name];
  EXPECT_EQ(ops, (std::map<std::string, int>{{"CONV_2D", 34},
                                             {"DEPTHWISE_CONV_2D", 13},
                                             {"RESHAPE", 13},
                                             {"CONCATENATION", 2},
                                             {"LOGISTIC", 1},
                                             {"TFLite_Detection_PostProcess", 1}}));
  // The input: uint8 [1,300,300,3], (x - 128) / 128.
  ASSERT_EQ(m.inputs().size(), 1u);
  const TfliteTensor& in = m.tensors()[m.inputs()[0]];
  EXPECT_EQ(in.name, "normalized_input_image_tensor");
  EXPECT_EQ(in.shape, (Shape{1, 300, 300, 3}));
  EXPECT_EQ(in.type, TfliteType::UInt8);
  EXPECT_FLOAT_EQ(in.quantization.scale.at(0), 1.f / 128);
  EXPECT_EQ(in.quantization.zero_point.at(0), 128);
  EXPECT_EQ(m.outputs().size(), 4u);

  // The first op is Conv2d_0: stride 2, SAME, OHWI weights [24,3,3,3] (depth multiplier 0.75).
  const TfliteOperator& conv0 = m.operators()[0];
  EXPECT_EQ(conv0.op_name, "CONV_2D");
  EXPECT_EQ(conv0.builtin_code, 3);
  EXPECT_EQ(conv0.conv.stride_h, 2);
  EXPECT_EQ(conv0.conv.stride_w, 2);
  EXPECT_TRUE(conv0.conv.same_padding);
  const TfliteTensor& w0 = m.tensors()[conv0.inputs[1]];
  EXPECT_EQ(
      w0.name,
      "FeatureExtractor/MobilenetV1/MobilenetV1/Conv2d_0/weights_quant/FakeQuantWithMinMaxVars");
  EXPECT_EQ(w0.shape, (Shape{24, 3, 3, 3}));
  const TfliteOperator& dw1 = m.operators()[1];
  EXPECT_EQ(dw1.op_name, "DEPTHWISE_CONV_2D");
  EXPECT_EQ(dw1.conv.depth_multiplier, 1);
  EXPECT_EQ(m.tensors()[dw1.inputs[1]].shape, (Shape{1, 3, 3, 24}));
  const int last = m.find(
      "FeatureExtractor/MobilenetV1/MobilenetV1/Conv2d_13_pointwise/"
      "weights_quant/FakeQuantWithMinMaxVars");
  ASSERT_GE(last, 0);
  EXPECT_EQ(m.tensors()[last].shape, (Shape{768, 1, 1, 768}));
  EXPECT_EQ(m.tensors()[m.find("BoxPredictor_0/ClassPredictor/Conv2D_bias")].shape, (Shape{273}));
}

TEST(Tflite, AnchorsAndPostProcessOptions) {
  const TfliteModel& m = model();
  const TfliteOperator* pp = m.find_operator("TFLite_Detection_PostProcess");
  ASSERT_NE(pp, nullptr);
  EXPECT_EQ(pp->builtin_code, 32);
  ASSERT_EQ(pp->inputs.size(), 3u);
  const TfliteTensor& anchors = m.tensors()[pp->inputs[2]];
  EXPECT_EQ(anchors.name, "anchors");
  EXPECT_EQ(anchors.shape, (Shape{1917, 4}));
  EXPECT_EQ(anchors.type, TfliteType::UInt8);
  EXPECT_NEAR(anchors.quantization.scale.at(0), 0.00645, 5e-5);
  EXPECT_EQ(anchors.quantization.zero_point.at(0), 0);
  // Anchor 0 is [ycenter, xcenter, h, w] = [0.5/19, 0.5/19, 0.1, 0.1] (scale 0.1 at the 19x19
  // layer) within quantization error.
  Tensor a = m.dequantize(pp->inputs[2]);
  const float* av = a.data<float>();
  const float half_step = anchors.quantization.scale[0] / 2 + 1e-6f;
  EXPECT_NEAR(av[0], 0.5f / 19, half_step);
  EXPECT_NEAR(av[1], 0.5f / 19, half_step);
  EXPECT_NEAR(av[2], 0.1f, half_step);
  EXPECT_NEAR(av[3], 0.1f, half_step);

  const DetectionPostProcessOptions o = m.detection_postprocess_options();
  EXPECT_EQ(o.num_classes, 90);
  EXPECT_EQ(o.max_detections, 10);
  EXPECT_EQ(o.max_classes_per_detection, 1);
  EXPECT_FALSE(o.use_regular_nms);
  EXPECT_FLOAT_EQ(o.nms_iou_threshold, 0.6f);
  EXPECT_FLOAT_EQ(o.nms_score_threshold, 1e-8f);
  EXPECT_FLOAT_EQ(o.y_scale, 10.f);
  EXPECT_FLOAT_EQ(o.x_scale, 10.f);
  EXPECT_FLOAT_EQ(o.h_scale, 5.f);
  EXPECT_FLOAT_EQ(o.w_scale, 5.f);
}

TEST(Tflite, DequantizesWeightsAndBiasesByHand) {
  const TfliteModel& m = model();
  // uint8 weights: (q - zero_point) * scale, from the raw bytes.
  const int w = m.find(
      "FeatureExtractor/MobilenetV1/MobilenetV1/Conv2d_0/weights_quant/FakeQuantWithMinMaxVars");
  const TfliteTensor& wt = m.tensors()[w];
  EXPECT_EQ(wt.quantization.zero_point.at(0), 152);
  const std::string_view raw = m.data(w);
  ASSERT_EQ(raw.size(), 648u);
  Tensor deq = m.dequantize(w);
  EXPECT_EQ(deq.dtype(), DType::Float32);
  EXPECT_EQ(deq.shape(), (Shape{24, 3, 3, 3}));
  EXPECT_EQ(deq.name(), wt.name);
  for (size_t k : {size_t(0), size_t(1), size_t(100), size_t(647)}) {
    const int q = static_cast<uint8_t>(raw[k]);
    EXPECT_FLOAT_EQ(deq.data<float>()[k], (q - 152) * wt.quantization.scale[0]) << k;
  }
  Tensor as_stored = m.raw(w);
  EXPECT_EQ(as_stored.dtype(), DType::UInt8);
  EXPECT_EQ(as_stored.data<uint8_t>()[100], static_cast<uint8_t>(raw[100]));

  // int32 biases: q * scale (zero point 0).
  const int b = m.find("FeatureExtractor/MobilenetV1/MobilenetV1/Conv2d_0/Conv2D_Fold_bias");
  const TfliteTensor& bt = m.tensors()[b];
  Tensor bias = m.dequantize(b);
  ASSERT_EQ(bias.shape(), (Shape{24}));
  for (int k : {0, 5, 23}) {
    int32_t q;
    std::memcpy(&q, m.data(b).data() + 4 * k, 4);
    EXPECT_FLOAT_EQ(bias.data<float>()[k], q * bt.quantization.scale[0]) << k;
  }
  // Activations have no data.
  EXPECT_THROW(m.dequantize(m.inputs()[0]), UserError);
}

TEST(Tflite, PerChannelDequantization) {
  // A [2,3] uint8 tensor quantized along dimension 1 (3 channels), and along dimension 0.
  TfliteTensor t;
  t.name = "w";
  t.shape = {2, 3};
  t.type = TfliteType::UInt8;
  t.quantization.scale = {0.5f, 2.f, 0.25f};
  t.quantization.zero_point = {10, 0, 4};
  t.quantization.quantized_dimension = 1;
  const std::string bytes = {12, 1, 8, 10, 3, 0};
  EXPECT_EQ(dequantize_tflite(t, bytes, "m.tflite").to_vector(),
            (std::vector<float>{1.f, 2.f, 1.f, 0.f, 6.f, -1.f}));
  t.quantization.scale = {1.f, 0.5f};
  t.quantization.zero_point = {0};
  t.quantization.quantized_dimension = 0;
  EXPECT_EQ(dequantize_tflite(t, bytes, "m.tflite").to_vector(),
            (std::vector<float>{12.f, 1.f, 8.f, 5.f, 1.5f, 0.f}));
  t.quantization.quantized_dimension = 1;  // 2 scales for 3 channels
  EXPECT_THROW(dequantize_tflite(t, bytes, "m.tflite"), UserError);
  // int32 with a non-zero zero point.
  TfliteTensor i;
  i.name = "b";
  i.shape = {2};
  i.type = TfliteType::Int32;
  i.quantization.scale = {0.5f};
  i.quantization.zero_point = {1};
  const int32_t q[2] = {-3, 7};
  EXPECT_EQ(dequantize_tflite(i, std::string(reinterpret_cast<const char*>(q), 8), "m").to_vector(),
            (std::vector<float>{-2.f, 3.f}));
}

TEST(Tflite, CorruptFilesFailCleanly) {
  const std::string bytes = read_file(testing::shared_path(kModel));
  EXPECT_THAT(
      [&] {
        try {
          TfliteModel::parse(bytes.substr(0, 1000), "cut.tflite");
        } catch (const UserError& e) {
          return std::string(e.what());
        }
        return std::string("no error");
      }(),
      HasSubstr("cut.tflite: "));
  EXPECT_THROW(TfliteModel::parse("abc", "tiny.tflite"), UserError);
  // Flipping any byte of the first 4 KiB (header, vtables, offsets) must never crash: either it
  // still parses or it fails with a UserError.
  for (size_t k = 0; k < 4096; k += 7) {
    std::string copy = bytes;
    copy[k] = static_cast<char>(copy[k] ^ 0xa5);
    try {
      TfliteModel::parse(std::move(copy), "flipped.tflite");
    } catch (const UserError&) {
    }
  }
}

}  // namespace
}  // namespace tailor::io
