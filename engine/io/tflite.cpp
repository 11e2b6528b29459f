#include "engine/io/tflite.h"

#include <cstring>

#include "runtime/io/atomic_file.h"
#include "runtime/io/flatbuffer.h"

namespace tailor::io {

namespace {

constexpr int kCustom = 32;

const char* builtin_name(int code) {
  static const char* const names[] = {"ADD",
                                      "AVERAGE_POOL_2D",
                                      "CONCATENATION",
                                      "CONV_2D",
                                      "DEPTHWISE_CONV_2D",
                                      "DEPTH_TO_SPACE",
                                      "DEQUANTIZE",
                                      "EMBEDDING_LOOKUP",
                                      "FLOOR",
                                      "FULLY_CONNECTED",
                                      "HASHTABLE_LOOKUP",
                                      "L2_NORMALIZATION",
                                      "L2_POOL_2D",
                                      "LOCAL_RESPONSE_NORMALIZATION",
                                      "LOGISTIC",
                                      "LSH_PROJECTION",
                                      "LSTM",
                                      "MAX_POOL_2D",
                                      "MUL",
                                      "RELU",
                                      "RELU_N1_TO_1",
                                      "RELU6",
                                      "RESHAPE",
                                      "RESIZE_BILINEAR",
                                      "RNN",
                                      "SOFTMAX",
                                      "SPACE_TO_DEPTH",
                                      "SVDF",
                                      "TANH",
                                      "CONCAT_EMBEDDINGS",
                                      "SKIP_GRAM",
                                      "CALL",
                                      "CUSTOM"};
  return code >= 0 && code < static_cast<int>(std::size(names)) ? names[code] : nullptr;
}

}  // namespace

const char* tflite_type_name(TfliteType t) {
  switch (t) {
    case TfliteType::Float32:
      return "float32";
    case TfliteType::Float16:
      return "float16";
    case TfliteType::Int32:
      return "int32";
    case TfliteType::UInt8:
      return "uint8";
    case TfliteType::Int64:
      return "int64";
    case TfliteType::String:
      return "string";
    case TfliteType::Bool:
      return "bool";
    case TfliteType::Int16:
      return "int16";
    case TfliteType::Complex64:
      return "complex64";
    case TfliteType::Int8:
      return "int8";
  }
  return "unknown";
}

size_t tflite_type_size(TfliteType t) {
  switch (t) {
    case TfliteType::Float32:
    case TfliteType::Int32:
      return 4;
    case TfliteType::Float16:
    case TfliteType::Int16:
      return 2;
    case TfliteType::UInt8:
    case TfliteType::Int8:
    case TfliteType::Bool:
      return 1;
    case TfliteType::Int64:
    case TfliteType::Complex64:
      return 8;
    default:
      return 0;
  }
}

TfliteModel TfliteModel::open(const std::string& path) {
  return parse(read_file(path), path);
}

TfliteModel TfliteModel::parse(std::string bytes, const std::string& path) {
  TfliteModel m;
  m.path_ = path;
  m.bytes_ = std::move(bytes);
  const std::string_view buf = m.bytes_;
  const FlatTable model = FlatTable::root(buf, path);
  // Model: version 0, operator_codes 1, subgraphs 2, description 3, buffers 4.
  m.version_ = model.scalar<uint32_t>(0, 0);
  TAILOR_CHECK(m.version_ == 3, UserError, path, ": TF Lite schema version ", m.version_,
               " (expected 3; is this a .tflite file?)");

  for (const FlatTable& b : model.tables(4)) {
    // Buffer: data 0, offset 1, size 2 (offset/size: data outside the flatbuffer, >2 GB models).
    const std::string_view data = b.bytes(0);
    const uint64_t offset = b.scalar<uint64_t>(1, 0), size = b.scalar<uint64_t>(2, 0);
    if (offset > 1) {
      TAILOR_CHECK(offset <= buf.size() && size <= buf.size() - offset, UserError, path,
                   ": buffer ", m.buffers_.size(), " at offset ", offset, " size ", size,
                   " runs past the end of the file");
      m.buffers_.emplace_back(offset, size);
    } else {
      m.buffers_.emplace_back(data.data() - buf.data(), data.size());
    }
  }

  std::vector<std::string> opcode_names;
  std::vector<int> opcode_builtins;
  for (const FlatTable& c : model.tables(1)) {
    // OperatorCode: deprecated_builtin_code 0 (int8), custom_code 1, version 2, builtin_code 3.
    const int code = std::max<int>(c.scalar<int8_t>(0, 0), c.scalar<int32_t>(3, 0));
    opcode_builtins.push_back(code);
    const char* name = builtin_name(code);
    opcode_names.push_back(code == kCustom ? c.string(1)
                           : name          ? name
                                           : "BUILTIN_" + std::to_string(code));
  }

  const std::vector<FlatTable> subgraphs = model.tables(2);
  TAILOR_CHECK(!subgraphs.empty(), UserError, path, ": model has no subgraph");
  const FlatTable& g = subgraphs[0];
  // SubGraph: tensors 0, inputs 1, outputs 2, operators 3, name 4.
  for (const FlatTable& t : g.tables(0)) {
    // Tensor: shape 0, type 1, buffer 2, name 3, quantization 4.
    TfliteTensor tt;
    tt.name = t.string(3);
    for (int32_t d : t.scalars<int32_t>(0)) {
      TAILOR_CHECK(d >= 0, UserError, path, ": tensor '", tt.name, "' has dimension ", d);
      tt.shape.push_back(d);
    }
    tt.type = static_cast<TfliteType>(t.scalar<int8_t>(1, 0));
    tt.buffer = t.scalar<uint32_t>(2, 0);
    TAILOR_CHECK(tt.buffer < m.buffers_.size(), UserError, path, ": tensor '", tt.name,
                 "' refers to buffer ", tt.buffer, " of ", m.buffers_.size());
    // QuantizationParameters: min 0, max 1, scale 2, zero_point 3, ..., quantized_dimension 6.
    const FlatTable q = t.table(4);
    tt.quantization.scale = q.scalars<float>(2);
    tt.quantization.zero_point = q.scalars<int64_t>(3);
    tt.quantization.quantized_dimension = q.scalar<int32_t>(6, 0);
    const size_t data_size = m.buffers_[tt.buffer].second;
    uint64_t numel = 1;
    for (int64_t d : tt.shape)
      TAILOR_CHECK(!__builtin_mul_overflow(numel, static_cast<uint64_t>(d), &numel) &&
                       numel < (uint64_t(1) << 40),
                   UserError, path, ": tensor '", tt.name, "' shape ", shape_str(tt.shape),
                   " is too large");
    if (data_size != 0) {
      const size_t elem = tflite_type_size(tt.type);
      TAILOR_CHECK(elem != 0 && numel * elem == data_size, UserError, path, ": tensor '", tt.name,
                   "' has ", data_size, " bytes of data for ", tflite_type_name(tt.type), " ",
                   shape_str(tt.shape));
    }
    m.tensors_.push_back(std::move(tt));
  }
  const int num_tensors = static_cast<int>(m.tensors_.size());
  auto check_indices = [&](const std::vector<int32_t>& v, const std::string& what) {
    for (int32_t i : v)
      TAILOR_CHECK(i >= -1 && i < num_tensors, UserError, path, ": ", what, " refers to tensor ", i,
                   " of ", num_tensors);
  };
  m.inputs_ = g.scalars<int32_t>(1);
  m.outputs_ = g.scalars<int32_t>(2);
  check_indices(m.inputs_, "subgraph input");
  check_indices(m.outputs_, "subgraph output");

  for (const FlatTable& o : g.tables(3)) {
    // Operator: opcode_index 0, inputs 1, outputs 2, builtin_options_type 3,
    // builtin_options 4, custom_options 5.
    TfliteOperator op;
    const uint32_t index = o.scalar<uint32_t>(0, 0);
    const std::string what = "operator " + std::to_string(m.operators_.size());
    TAILOR_CHECK(index < opcode_names.size(), UserError, path, ": ", what, " has opcode index ",
                 index, " of ", opcode_names.size());
    op.builtin_code = opcode_builtins[index];
    op.op_name = opcode_names[index];
    op.inputs = o.scalars<int32_t>(1);
    op.outputs = o.scalars<int32_t>(2);
    check_indices(op.inputs, what + " input");
    check_indices(op.outputs, what + " output");
    const uint8_t options_type = o.scalar<uint8_t>(3, 0);
    const FlatTable opts = o.table(4);
    if (options_type == 1) {  // Conv2DOptions: padding, stride_w, stride_h, activation
      op.conv.same_padding = opts.scalar<int8_t>(0, 0) == 0;
      op.conv.stride_w = opts.scalar<int32_t>(1, 0);
      op.conv.stride_h = opts.scalar<int32_t>(2, 0);
      op.conv.activation = opts.scalar<int8_t>(3, 0);
    } else if (options_type == 2) {  // DepthwiseConv2DOptions: ..., depth_multiplier, activation
      op.conv.same_padding = opts.scalar<int8_t>(0, 0) == 0;
      op.conv.stride_w = opts.scalar<int32_t>(1, 0);
      op.conv.stride_h = opts.scalar<int32_t>(2, 0);
      op.conv.depth_multiplier = opts.scalar<int32_t>(3, 0);
      op.conv.activation = opts.scalar<int8_t>(4, 0);
    }
    op.custom_options = std::string(o.bytes(5));
    m.operators_.push_back(std::move(op));
  }
  return m;
}

int TfliteModel::find(const std::string& name) const {
  for (size_t i = 0; i < tensors_.size(); ++i)
    if (tensors_[i].name == name) return static_cast<int>(i);
  return -1;
}

const TfliteTensor& TfliteModel::tensor(int i) const {
  TAILOR_CHECK(i >= 0 && i < static_cast<int>(tensors_.size()), UserError, path_, ": no tensor ", i,
               " (", tensors_.size(), " tensors)");
  return tensors_[i];
}

std::string_view TfliteModel::data(int i) const {
  const auto [offset, size] = buffers_[tensor(i).buffer];
  return std::string_view(bytes_).substr(offset, size);
}

Tensor TfliteModel::raw(int i) const {
  const TfliteTensor& t = tensor(i);
  const std::string_view bytes = data(i);
  TAILOR_CHECK(!bytes.empty() || shape_numel(t.shape) == 0, UserError, path_, ": tensor '", t.name,
               "' has no data (it is an activation, not a constant)");
  DType dtype;
  switch (t.type) {
    case TfliteType::Float32:
      dtype = DType::Float32;
      break;
    case TfliteType::Int32:
      dtype = DType::Int32;
      break;
    case TfliteType::Int64:
      dtype = DType::Int64;
      break;
    case TfliteType::UInt8:
      dtype = DType::UInt8;
      break;
    default:
      throw UserError(path_ + ": tensor '" + t.name + "' is " + tflite_type_name(t.type) +
                      ", which Tailor does not read (float32, int32, int64, uint8)");
  }
  Tensor out = Tensor::empty(t.shape, dtype);
  if (!bytes.empty()) std::memcpy(out.raw_data(), bytes.data(), bytes.size());
  out.set_name(t.name);
  return out;
}

Tensor TfliteModel::dequantize(int i) const {
  const TfliteTensor& t = tensor(i);
  if (t.type == TfliteType::Float32) return raw(i);
  TAILOR_CHECK(!data(i).empty(), UserError, path_, ": tensor '", t.name,
               "' has no data to dequantize (it is an activation, not a constant)");
  return dequantize_tflite(t, data(i), path_);
}

Tensor dequantize_tflite(const TfliteTensor& t, std::string_view bytes, const std::string& path_) {
  const TfliteQuantization& q = t.quantization;
  TAILOR_CHECK(q.quantized(), UserError, path_, ": tensor '", t.name, "' (",
               tflite_type_name(t.type), ") has no quantization scale");
  const int64_t numel = shape_numel(t.shape);
  // Per-channel parameters run along quantized_dimension; `inner` elements share a channel.
  int64_t channels = 1, inner = 1;
  if (q.scale.size() > 1) {
    const int32_t qd = q.quantized_dimension;
    TAILOR_CHECK(qd >= 0 && qd < static_cast<int32_t>(t.shape.size()) &&
                     t.shape[qd] == static_cast<int64_t>(q.scale.size()),
                 UserError, path_, ": tensor '", t.name, "' has ", q.scale.size(),
                 " scales for quantized_dimension ", qd, " of ", shape_str(t.shape));
    channels = t.shape[qd];
    for (size_t d = qd + 1; d < t.shape.size(); ++d) inner *= t.shape[d];
  }
  TAILOR_CHECK(
      q.zero_point.empty() || q.zero_point.size() == 1 || q.zero_point.size() == q.scale.size(),
      UserError, path_, ": tensor '", t.name, "' has ", q.zero_point.size(), " zero points for ",
      q.scale.size(), " scales");
  const size_t elem = tflite_type_size(t.type);
  TAILOR_CHECK(elem != 0 && bytes.size() == static_cast<size_t>(numel) * elem, UserError, path_,
               ": tensor '", t.name, "' has ", bytes.size(), " bytes for ",
               tflite_type_name(t.type), " ", shape_str(t.shape));
  Tensor out = Tensor::empty(t.shape, DType::Float32);
  float* o = out.data<float>();
  const char* p = bytes.data();
  for (int64_t k = 0; k < numel; ++k) {
    const size_t c = channels > 1 ? static_cast<size_t>((k / inner) % channels) : 0;
    const float scale = q.scale[c];
    const int64_t zp = q.zero_point.empty() ? 0 : q.zero_point[q.zero_point.size() == 1 ? 0 : c];
    int64_t v;
    switch (t.type) {
      case TfliteType::UInt8:
        v = static_cast<uint8_t>(p[k]);
        break;
      case TfliteType::Int8:
        v = static_cast<int8_t>(p[k]);
        break;
      case TfliteType::Int32: {
        int32_t x;
        std::memcpy(&x, p + 4 * k, 4);
        v = x;
        break;
      }
      default:
        throw UserError(path_ + ": tensor '" + t.name + "' is " + tflite_type_name(t.type) +
                        ", which Tailor cannot dequantize (uint8, int8, int32)");
    }
    o[k] = static_cast<float>(v - zp) * scale;
  }
  out.set_name(t.name);
  return out;
}

const TfliteOperator* TfliteModel::find_operator(const std::string& op_name) const {
  for (const auto& op : operators_)
    if (op.op_name == op_name) return &op;
  return nullptr;
}

DetectionPostProcessOptions TfliteModel::detection_postprocess_options() const {
  const TfliteOperator* op = find_operator("TFLite_Detection_PostProcess");
  TAILOR_CHECK(op, UserError, path_, ": no TFLite_Detection_PostProcess operator");
  const auto map =
      decode_flexbuffer_map(op->custom_options, path_ + ": TFLite_Detection_PostProcess options");
  auto get = [&](const char* key, double def, bool required) {
    auto it = map.find(key);
    if (it == map.end()) {
      TAILOR_CHECK(!required, UserError, path_, ": TFLite_Detection_PostProcess options lack '",
                   key, "'");
      return def;
    }
    TAILOR_CHECK(
        it->second.kind != FlexValue::Kind::String && it->second.kind != FlexValue::Kind::Other,
        UserError, path_, ": TFLite_Detection_PostProcess option '", key, "' is not a number");
    return it->second.as_double();
  };
  DetectionPostProcessOptions o;
  o.max_detections = static_cast<int>(get("max_detections", 0, true));
  o.max_classes_per_detection = static_cast<int>(get("max_classes_per_detection", 1, false));
  o.detections_per_class = static_cast<int>(get("detections_per_class", 100, false));
  o.num_classes = static_cast<int>(get("num_classes", 0, true));
  o.use_regular_nms = get("use_regular_nms", 0, false) != 0;
  o.nms_score_threshold = static_cast<float>(get("nms_score_threshold", 0, true));
  o.nms_iou_threshold = static_cast<float>(get("nms_iou_threshold", 0, true));
  o.y_scale = static_cast<float>(get("y_scale", 0, true));
  o.x_scale = static_cast<float>(get("x_scale", 0, true));
  o.h_scale = static_cast<float>(get("h_scale", 0, true));
  o.w_scale = static_cast<float>(get("w_scale", 0, true));
  return o;
}

}  // namespace tailor::io
