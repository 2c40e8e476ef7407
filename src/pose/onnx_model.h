// A small reader of ONNX model files (the protobuf wire format, no libprotobuf): enough of
// ModelProto to hand a convolutional graph to an inference engine. Only what a float32 CNN
// needs is kept: nodes with their attributes, float32 initialisers, and the graph's inputs and
// outputs with their static shapes.
#ifndef GAITLENS_SRC_POSE_ONNX_MODEL_H_
#define GAITLENS_SRC_POSE_ONNX_MODEL_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace gaitlens::internal {

struct OnnxAttribute {
  enum class Type { kUndefined, kFloat, kInt, kString, kFloats, kInts, kOther };
  Type type = Type::kUndefined;
  float f = 0;
  int64_t i = 0;
  std::string s;
  std::vector<float> floats;
  std::vector<int64_t> ints;
};

struct OnnxNode {
  std::string name;
  std::string op_type;
  std::string domain;
  std::vector<std::string> inputs;   // "" = optional input left out
  std::vector<std::string> outputs;
  std::map<std::string, OnnxAttribute> attributes;

  bool Has(const std::string& key) const { return attributes.count(key) != 0; }
  // Typed look-ups; a missing attribute gives `fallback`, a present one of another type throws
  // FormatError naming the node.
  int64_t Int(const std::string& key, int64_t fallback) const;
  float Float(const std::string& key, float fallback) const;
  std::string String(const std::string& key, const std::string& fallback) const;
  std::vector<int64_t> Ints(const std::string& key, std::vector<int64_t> fallback) const;

 private:
  // The attribute called key, nullptr when absent; FormatError when it is not of `type`.
  const OnnxAttribute* Find(const std::string& key, OnnxAttribute::Type type, const char* type_name) const;
};

// A constant tensor. Only float32 (ONNX data type 1) keeps its values; others keep dims and
// data_type so that the caller can say which tensor it cannot use.
struct OnnxTensor {
  std::string name;
  int32_t data_type = 0;
  std::vector<int64_t> dims;
  std::vector<float> values;

  int64_t NumElements() const;
};

struct OnnxValueInfo {
  std::string name;
  int32_t elem_type = 0;
  std::vector<int64_t> dims;  // -1 where the dimension is symbolic or unknown
};

struct OnnxModel {
  int64_t ir_version = 0;
  int64_t opset = 0;  // default domain
  std::vector<OnnxNode> nodes;
  std::map<std::string, OnnxTensor> initializers;
  std::vector<OnnxValueInfo> inputs;  // graph inputs that are not initialisers
  std::vector<OnnxValueInfo> outputs;
};

// Parses serialised ModelProto bytes. Throws FormatError naming `source` on malformed or
// truncated data, external data, or an unsupported constant type used as float.
OnnxModel ParseOnnxModel(std::string_view bytes, const std::string& source);

// Reads and parses a .onnx file. Throws InputError when it cannot be read.
OnnxModel ReadOnnxModel(const std::string& path);

}  // namespace gaitlens::internal

#endif  // GAITLENS_SRC_POSE_ONNX_MODEL_H_
