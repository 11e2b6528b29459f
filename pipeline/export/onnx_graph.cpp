#include "pipeline/export/onnx_graph.h"

#include <cstring>

#include "runtime/error.h"
#include "runtime/io/protobuf_wire.h"

namespace tailor::pipeline {

namespace {

// onnx.proto field numbers.
namespace model {
constexpr uint32_t kIrVersion = 1, kProducerName = 2, kProducerVersion = 3, kGraph = 7,
                   kOpsetImport = 8, kMetadataProps = 14;
}
namespace graph {
constexpr uint32_t kNode = 1, kName = 2, kInitializer = 5, kInput = 11, kOutput = 12;
}
namespace node {
constexpr uint32_t kInput = 1, kOutput = 2, kName = 3, kOpType = 4, kAttribute = 5;
}
namespace attribute {
constexpr uint32_t kName = 1, kF = 2, kI = 3, kS = 4, kInts = 8, kType = 20;
constexpr int64_t kFloat = 1, kInt = 2, kString = 3, kIntsType = 7;
}
namespace tensor {
constexpr uint32_t kDims = 1, kDataType = 2, kName = 8, kRawData = 9;
}
namespace value_info {
constexpr uint32_t kName = 1, kType = 2;
}
constexpr uint32_t kTypeTensor = 1, kTensorElemType = 1, kTensorShape = 2, kShapeDim = 1,
                   kDimValue = 1, kDimParam = 2;
constexpr uint32_t kOpsetDomain = 1, kOpsetVersion = 2, kEntryKey = 1, kEntryValue = 2;

std::string tensor_proto(const std::string& name, const std::vector<int64_t>& dims, OnnxType type,
                         const void* data, size_t bytes) {
  io::ProtoWriter t;
  for (int64_t d : dims) t.varint_field(tensor::kDims, static_cast<uint64_t>(d));
  t.varint_field(tensor::kDataType, static_cast<uint64_t>(type));
  t.bytes_field(tensor::kName, name);
  t.bytes_field(tensor::kRawData, std::string_view(static_cast<const char*>(data), bytes));
  return t.bytes();
}

std::string value_info_proto(const std::string& name, OnnxType type,
                             const std::vector<OnnxDim>& dims) {
  io::ProtoWriter shape;
  for (const OnnxDim& d : dims) {
    io::ProtoWriter dim;
    if (d.value >= 0)
      dim.varint_field(kDimValue, static_cast<uint64_t>(d.value));
    else
      dim.bytes_field(kDimParam, d.param);
    shape.bytes_field(kShapeDim, dim.bytes());
  }
  io::ProtoWriter tensor_type;
  tensor_type.varint_field(kTensorElemType, static_cast<uint64_t>(type));
  tensor_type.bytes_field(kTensorShape, shape.bytes());
  io::ProtoWriter type_proto;
  type_proto.bytes_field(kTypeTensor, tensor_type.bytes());
  io::ProtoWriter v;
  v.bytes_field(value_info::kName, name);
  v.bytes_field(value_info::kType, type_proto.bytes());
  return v.bytes();
}

}  // namespace

OnnxAttribute OnnxAttribute::Int(std::string name, int64_t v) {
  OnnxAttribute a;
  a.kind = Kind::kInt, a.name = std::move(name), a.i = v;
  return a;
}
OnnxAttribute OnnxAttribute::Ints(std::string name, std::vector<int64_t> v) {
  OnnxAttribute a;
  a.kind = Kind::kInts, a.name = std::move(name), a.ints = std::move(v);
  return a;
}
OnnxAttribute OnnxAttribute::Float(std::string name, float v) {
  OnnxAttribute a;
  a.kind = Kind::kFloat, a.name = std::move(name), a.f = v;
  return a;
}
OnnxAttribute OnnxAttribute::String(std::string name, std::string v) {
  OnnxAttribute a;
  a.kind = Kind::kString, a.name = std::move(name), a.s = std::move(v);
  return a;
}

void OnnxGraph::add_float(const std::string& name, const std::vector<int64_t>& dims,
                          const std::vector<float>& values) {
  initializers_.push_back(
      tensor_proto(name, dims, OnnxType::kFloat, values.data(), values.size() * sizeof(float)));
}

void OnnxGraph::add_int64(const std::string& name, const std::vector<int64_t>& dims,
                          const std::vector<int64_t>& values) {
  initializers_.push_back(
      tensor_proto(name, dims, OnnxType::kInt64, values.data(), values.size() * sizeof(int64_t)));
}

const std::string& OnnxGraph::node(const std::string& op, const std::vector<std::string>& inputs,
                                   const std::vector<std::string>& outputs,
                                   const std::vector<OnnxAttribute>& attributes) {
  TAILOR_CHECK(!outputs.empty(), ShapeError, "onnx: node ", op, " has no output");
  io::ProtoWriter n;
  for (const std::string& i : inputs) n.bytes_field(node::kInput, i);
  for (const std::string& o : outputs) n.bytes_field(node::kOutput, o);
  n.bytes_field(node::kName, op + "_" + std::to_string(nodes_.size()));
  n.bytes_field(node::kOpType, op);
  for (const OnnxAttribute& a : attributes) {
    io::ProtoWriter w;
    w.bytes_field(attribute::kName, a.name);
    switch (a.kind) {
      case OnnxAttribute::Kind::kInt:
        w.varint_field(attribute::kI, static_cast<uint64_t>(a.i));
        w.varint_field(attribute::kType, attribute::kInt);
        break;
      case OnnxAttribute::Kind::kInts:
        for (int64_t v : a.ints) w.varint_field(attribute::kInts, static_cast<uint64_t>(v));
        w.varint_field(attribute::kType, attribute::kIntsType);
        break;
      case OnnxAttribute::Kind::kFloat:
        w.float_field(attribute::kF, a.f);
        w.varint_field(attribute::kType, attribute::kFloat);
        break;
      case OnnxAttribute::Kind::kString:
        w.bytes_field(attribute::kS, a.s);
        w.varint_field(attribute::kType, attribute::kString);
        break;
    }
    n.bytes_field(node::kAttribute, w.bytes());
  }
  nodes_.push_back(n.bytes());
  return outputs.front();
}

std::string OnnxGraph::fresh(const std::string& hint) {
  return hint + "__" + std::to_string(next_++);
}

void OnnxGraph::input(const std::string& name, OnnxType type, const std::vector<OnnxDim>& dims) {
  inputs_.push_back(value_info_proto(name, type, dims));
}

void OnnxGraph::output(const std::string& name, OnnxType type, const std::vector<OnnxDim>& dims) {
  outputs_.push_back(value_info_proto(name, type, dims));
}

int64_t onnx_ir_version(int opset) {
  TAILOR_CHECK(opset >= 13 && opset <= 21, UsageError, "--opset must be in [13, 21], got ",
               opset);
  if (opset <= 14) return 7;
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  return 10;
}

std::string OnnxGraph::serialize(
    int opset, const std::string& producer_version,
    const std::vector<std::pair<std::string, std::string>>& metadata) const {
  io::ProtoWriter g;
  for (const std::string& n : nodes_) g.bytes_field(graph::kNode, n);
  g.bytes_field(graph::kName, name_);
  for (const std::string& t : initializers_) g.bytes_field(graph::kInitializer, t);
  for (const std::string& v : inputs_) g.bytes_field(graph::kInput, v);
  for (const std::string& v : outputs_) g.bytes_field(graph::kOutput, v);
  io::ProtoWriter opset_id;
  opset_id.bytes_field(kOpsetDomain, "");
  opset_id.varint_field(kOpsetVersion, static_cast<uint64_t>(opset));
  io::ProtoWriter m;
  m.varint_field(model::kIrVersion, static_cast<uint64_t>(onnx_ir_version(opset)));
  m.bytes_field(model::kProducerName, "tailor");
  m.bytes_field(model::kProducerVersion, producer_version);
  m.bytes_field(model::kGraph, g.bytes());
  m.bytes_field(model::kOpsetImport, opset_id.bytes());
  for (const auto& [key, value] : metadata) {
    io::ProtoWriter e;
    e.bytes_field(kEntryKey, key);
    e.bytes_field(kEntryValue, value);
    m.bytes_field(model::kMetadataProps, e.bytes());
  }
  return m.bytes();
}

}  // namespace tailor::pipeline
