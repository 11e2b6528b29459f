#pragma once
// A small writer of ONNX models (onnx.proto's ModelProto) on the project's protobuf wire
// writer: initializers, nodes with attributes, typed inputs and outputs, metadata. Field
// numbers are onnx.proto's; nothing else of ONNX is needed to write a valid file.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace tailor::pipeline {

// TensorProto.DataType values used here.
enum class OnnxType : int { kFloat = 1, kUint8 = 2, kInt64 = 7, kBool = 9 };

// One attribute of a node: an int, a list of ints, a float or a string.
struct OnnxAttribute {
  enum class Kind { kInt, kInts, kFloat, kString } kind = Kind::kInt;
  std::string name;
  int64_t i = 0;
  std::vector<int64_t> ints;
  float f = 0;
  std::string s;

  static OnnxAttribute Int(std::string name, int64_t v);
  static OnnxAttribute Ints(std::string name, std::vector<int64_t> v);
  static OnnxAttribute Float(std::string name, float v);
  static OnnxAttribute String(std::string name, std::string v);
};

// A dimension: fixed (value >= 0) or symbolic (param, e.g. "batch").
struct OnnxDim {
  int64_t value = -1;
  std::string param;
};

class OnnxGraph {
 public:
  explicit OnnxGraph(std::string name) : name_(std::move(name)) {}

  // Constants stored in the file, little-endian raw data.
  void add_float(const std::string& name, const std::vector<int64_t>& dims,
                 const std::vector<float>& values);
  void add_int64(const std::string& name, const std::vector<int64_t>& dims,
                 const std::vector<int64_t>& values);
  // A node; returns its first output's name.
  const std::string& node(const std::string& op, const std::vector<std::string>& inputs,
                          const std::vector<std::string>& outputs,
                          const std::vector<OnnxAttribute>& attributes = {});
  // A fresh value name with `hint` in it, for intermediate results.
  std::string fresh(const std::string& hint);
  void input(const std::string& name, OnnxType type, const std::vector<OnnxDim>& dims);
  void output(const std::string& name, OnnxType type, const std::vector<OnnxDim>& dims);

  // The ModelProto bytes: IR version for `opset`, the default domain at `opset`, producer
  // Tailor, and the metadata_props.
  std::string serialize(int opset, const std::string& producer_version,
                        const std::vector<std::pair<std::string, std::string>>& metadata) const;

 private:
  std::string name_;
  std::vector<std::string> nodes_, initializers_, inputs_, outputs_;  // serialized messages
  int next_ = 0;
};

// The ONNX IR version that matches an opset (onnx/helper.py's table).
int64_t onnx_ir_version(int opset);

}  // namespace tailor::pipeline
