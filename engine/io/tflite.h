#pragma once
// TF Lite model files (.tflite), read from the schema (tensorflow/lite/schema/schema.fbs) with
// Tailor's own bounds-checked flatbuffer decoding: the first subgraph's tensors (shape, type,
// buffer, quantization), buffers, operators with their opcodes and conv options, and the
// custom TFLite_Detection_PostProcess op's flexbuffer options. Constant tensors dequantize to
// float32: (q - zero_point) * scale, per tensor or per channel along quantized_dimension.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/tensor.h"
#include "runtime/io/flexbuffer.h"

namespace tailor::io {

// TensorType values of the schema.
enum class TfliteType : int8_t {
  Float32 = 0,
  Float16 = 1,
  Int32 = 2,
  UInt8 = 3,
  Int64 = 4,
  String = 5,
  Bool = 6,
  Int16 = 7,
  Complex64 = 8,
  Int8 = 9,
};
const char* tflite_type_name(TfliteType t);  // "float32", "uint8", ...
size_t tflite_type_size(TfliteType t);       // 0 for strings and unknown types

struct TfliteQuantization {
  std::vector<float> scale;  // empty: not quantized; 1: per tensor; else per channel
  std::vector<int64_t> zero_point;
  int32_t quantized_dimension = 0;
  bool quantized() const { return !scale.empty(); }
};

struct TfliteTensor {
  std::string name;
  Shape shape;
  TfliteType type = TfliteType::Float32;
  uint32_t buffer = 0;
  TfliteQuantization quantization;
};

// Options of CONV_2D and DEPTHWISE_CONV_2D (schema Conv2DOptions / DepthwiseConv2DOptions).
struct TfliteConvOptions {
  bool same_padding = true;
  int stride_h = 1, stride_w = 1;
  int depth_multiplier = 1;  // depthwise only
  int activation = 0;        // ActivationFunctionType: 0 none, 1 relu, 3 relu6
};

struct TfliteOperator {
  int builtin_code = 0;                  // BuiltinOperator; 32 = CUSTOM
  std::string op_name;                   // "CONV_2D", ..., or the custom code
  std::vector<int32_t> inputs, outputs;  // tensor indices; -1 = optional input absent
  TfliteConvOptions conv;                // valid for CONV_2D and DEPTHWISE_CONV_2D
  std::string custom_options;  // raw bytes (a flexbuffer for TFLite_Detection_PostProcess)
};

// The TFLite_Detection_PostProcess options.
struct DetectionPostProcessOptions {
  int max_detections = 0, max_classes_per_detection = 1, detections_per_class = 100;
  int num_classes = 0;
  bool use_regular_nms = false;
  float nms_score_threshold = 0, nms_iou_threshold = 0;
  float y_scale = 0, x_scale = 0, h_scale = 0, w_scale = 0;
};

// `bytes` as float32: (q - zero_point) * scale, per tensor or per channel; float32 is copied.
// Handles uint8, int8 and int32 data. `path` names the file in errors.
Tensor dequantize_tflite(const TfliteTensor& t, std::string_view bytes, const std::string& path);

class TfliteModel {
 public:
  static TfliteModel open(const std::string& path);
  // Parses bytes already in memory; `path` names the file in errors.
  static TfliteModel parse(std::string bytes, const std::string& path);

  const std::string& path() const { return path_; }
  uint32_t version() const { return version_; }
  const std::vector<TfliteTensor>& tensors() const { return tensors_; }
  const std::vector<TfliteOperator>& operators() const { return operators_; }
  const std::vector<int32_t>& inputs() const { return inputs_; }
  const std::vector<int32_t>& outputs() const { return outputs_; }

  // Index of the tensor with this name, or -1.
  int find(const std::string& name) const;
  // The constant bytes of tensor i (empty for activations).
  std::string_view data(int i) const;
  bool is_constant(int i) const { return !data(i).empty(); }
  // Tensor i's raw values as stored (float32, int32, int64 or uint8), named. Throws UserError
  // for activations and other types.
  Tensor raw(int i) const;
  // Tensor i as float32: quantized tensors become (q - zero_point) * scale, float tensors are
  // copied. Named.
  Tensor dequantize(int i) const;

  // The options of the TFLite_Detection_PostProcess operator; throws if there is none.
  DetectionPostProcessOptions detection_postprocess_options() const;
  const TfliteOperator* find_operator(const std::string& op_name) const;

 private:
  const TfliteTensor& tensor(int i) const;

  std::string path_;
  std::string bytes_;
  uint32_t version_ = 0;
  std::vector<TfliteTensor> tensors_;
  std::vector<TfliteOperator> operators_;
  std::vector<std::pair<size_t, size_t>> buffers_;  // (offset, size) into bytes_
  std::vector<int32_t> inputs_, outputs_;
};

}  // namespace tailor::io
