// ONNX ModelProto from the protobuf wire format (https://protobuf.dev/programming-guides/encoding/;
// field numbers from onnx/onnx.proto). Every read is bounds-checked: the input may be any bytes.
#include "pose/onnx_model.h"

#include <cstring>
#include <limits>
#include <utility>

#include "gaitlens/core/error.h"
#include "io/text_util.h"

namespace gaitlens::internal {

namespace {

enum WireType : int { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

// ONNX TensorProto.DataType values used here.
constexpr int32_t kFloat = 1;

// One message's fields, read in order.
class WireReader {
 public:
  WireReader(std::string_view bytes, const std::string& source, const char* message)
      : data_(bytes), source_(source), message_(message) {}

  bool Done() const { return pos_ >= data_.size(); }

  // Reads the next field's key. Returns false at the end of the message.
  bool Next(uint32_t* field, int* wire_type) {
    if (Done()) return false;
    const uint64_t key = Varint();
    *field = static_cast<uint32_t>(key >> 3);
    *wire_type = static_cast<int>(key & 7);
    if (*field == 0) Fail("field number 0");
    return true;
  }

  uint64_t Varint() {
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= data_.size()) Fail("truncated varint");
      const auto byte = static_cast<uint8_t>(data_[pos_++]);
      value |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return value;
    }
    Fail("varint longer than 10 bytes");
  }

  std::string_view Bytes() {
    const uint64_t size = Varint();
    if (size > data_.size() - pos_) Fail("length ", size, " runs past the end of the data");
    const std::string_view out = data_.substr(pos_, size);
    pos_ += size;
    return out;
  }

  float Fixed32Float() {
    if (data_.size() - pos_ < 4) Fail("truncated 32-bit value");
    float value;
    std::memcpy(&value, data_.data() + pos_, 4);  // little-endian hosts only (x86, ARM)
    pos_ += 4;
    return value;
  }

  void Skip(int wire_type) {
    switch (wire_type) {
      case kVarint: Varint(); return;
      case kFixed64: Advance(8); return;
      case kLengthDelimited: Bytes(); return;
      case kFixed32: Advance(4); return;
      default: Fail("unsupported wire type ", wire_type);
    }
  }

  void Expect(int wire_type, int expected, uint32_t field) {
    if (wire_type != expected) Fail("field ", field, " has wire type ", wire_type, ", expected ", expected);
  }

  // repeated int64: packed (length-delimited) or one varint per field occurrence.
  void Int64s(int wire_type, std::vector<int64_t>* out) {
    if (wire_type == kVarint) {
      out->push_back(static_cast<int64_t>(Varint()));
      return;
    }
    Expect(wire_type, kLengthDelimited, 0);
    WireReader packed(Bytes(), source_, message_);
    while (!packed.Done()) out->push_back(static_cast<int64_t>(packed.Varint()));
  }

  // repeated float: packed or one fixed32 per occurrence.
  void Floats(int wire_type, std::vector<float>* out) {
    if (wire_type == kFixed32) {
      out->push_back(Fixed32Float());
      return;
    }
    Expect(wire_type, kLengthDelimited, 0);
    const std::string_view packed = Bytes();
    if (packed.size() % 4 != 0) Fail("packed float data of ", packed.size(), " bytes");
    if (packed.empty()) return;
    const std::size_t old = out->size();
    out->resize(old + packed.size() / 4);
    std::memcpy(out->data() + old, packed.data(), packed.size());
  }

  template <typename... Args>
  [[noreturn]] void Fail(const Args&... args) const {
    GAITLENS_THROW(FormatError, source_, ": not a valid ONNX model (", message_, " at byte ", pos_,
                   ": ", args..., ")");
  }

 private:
  void Advance(std::size_t n) {
    if (data_.size() - pos_ < n) Fail("truncated fixed-size value");
    pos_ += n;
  }

  std::string_view data_;
  std::size_t pos_ = 0;
  const std::string& source_;
  const char* message_;
};

OnnxTensor ParseTensor(std::string_view bytes, const std::string& source) {
  WireReader r(bytes, source, "TensorProto");
  OnnxTensor t;
  std::string_view raw;
  bool has_raw = false, external = false;
  uint32_t field;
  int wt;
  while (r.Next(&field, &wt)) {
    switch (field) {
      case 1: r.Int64s(wt, &t.dims); break;
      case 2: r.Expect(wt, kVarint, field); t.data_type = static_cast<int32_t>(r.Varint()); break;
      case 4: r.Floats(wt, &t.values); break;
      case 8: r.Expect(wt, kLengthDelimited, field); t.name = std::string(r.Bytes()); break;
      case 9: r.Expect(wt, kLengthDelimited, field); raw = r.Bytes(); has_raw = true; break;
      case 14: r.Expect(wt, kVarint, field); external = r.Varint() == 1; break;
      default: r.Skip(wt);
    }
  }
  if (external) {
    GAITLENS_THROW(FormatError, source, ": tensor '", Excerpt(t.name),
                   "' keeps its data in an external file, which is not supported; save the "
                   "model with all tensors inside the .onnx file");
  }
  for (int64_t d : t.dims) {
    if (d < 0) GAITLENS_THROW(FormatError, source, ": tensor '", Excerpt(t.name), "' has a negative dimension");
  }
  if (t.data_type == kFloat) {
    if (has_raw) {
      if (raw.size() % 4 != 0) r.Fail("raw float data of ", raw.size(), " bytes");
      t.values.resize(raw.size() / 4);
      if (!raw.empty()) std::memcpy(t.values.data(), raw.data(), raw.size());
    }
    if (static_cast<int64_t>(t.values.size()) != t.NumElements()) {
      GAITLENS_THROW(FormatError, source, ": tensor '", Excerpt(t.name), "' has ", t.values.size(),
                     " values for ", t.NumElements(), " elements");
    }
  } else {
    t.values.clear();
  }
  return t;
}

OnnxAttribute::Type AttributeTypeFromProto(uint64_t type) {
  switch (type) {
    case 1: return OnnxAttribute::Type::kFloat;
    case 2: return OnnxAttribute::Type::kInt;
    case 3: return OnnxAttribute::Type::kString;
    case 6: return OnnxAttribute::Type::kFloats;
    case 7: return OnnxAttribute::Type::kInts;
    default: return OnnxAttribute::Type::kOther;
  }
}

std::pair<std::string, OnnxAttribute> ParseAttribute(std::string_view bytes, const std::string& source) {
  WireReader r(bytes, source, "AttributeProto");
  std::string name;
  OnnxAttribute a;
  uint64_t declared = 0;
  uint32_t field;
  int wt;
  while (r.Next(&field, &wt)) {
    switch (field) {
      case 1: r.Expect(wt, kLengthDelimited, field); name = std::string(r.Bytes()); break;
      case 2: r.Expect(wt, kFixed32, field); a.f = r.Fixed32Float(); break;
      case 3: r.Expect(wt, kVarint, field); a.i = static_cast<int64_t>(r.Varint()); break;
      case 4: r.Expect(wt, kLengthDelimited, field); a.s = std::string(r.Bytes()); break;
      case 7: r.Floats(wt, &a.floats); break;
      case 8: r.Int64s(wt, &a.ints); break;
      case 20: r.Expect(wt, kVarint, field); declared = r.Varint(); break;
      default: r.Skip(wt);
    }
  }
  a.type = AttributeTypeFromProto(declared);
  return {std::move(name), std::move(a)};
}

OnnxNode ParseNode(std::string_view bytes, const std::string& source) {
  WireReader r(bytes, source, "NodeProto");
  OnnxNode n;
  uint32_t field;
  int wt;
  while (r.Next(&field, &wt)) {
    switch (field) {
      case 1: r.Expect(wt, kLengthDelimited, field); n.inputs.emplace_back(r.Bytes()); break;
      case 2: r.Expect(wt, kLengthDelimited, field); n.outputs.emplace_back(r.Bytes()); break;
      case 3: r.Expect(wt, kLengthDelimited, field); n.name = std::string(r.Bytes()); break;
      case 4: r.Expect(wt, kLengthDelimited, field); n.op_type = std::string(r.Bytes()); break;
      case 5: {
        r.Expect(wt, kLengthDelimited, field);
        n.attributes.insert(ParseAttribute(r.Bytes(), source));
        break;
      }
      case 7: r.Expect(wt, kLengthDelimited, field); n.domain = std::string(r.Bytes()); break;
      default: r.Skip(wt);
    }
  }
  if (n.op_type.empty()) GAITLENS_THROW(FormatError, source, ": node '", Excerpt(n.name), "' has no op_type");
  return n;
}

// Calls handle(field, wire_type, reader) for every field of a message; a handler that returns
// false leaves the field unread and it is skipped.
template <typename Handler>
void ForEachField(std::string_view bytes, const std::string& source, const char* message,
                  Handler&& handle) {
  WireReader r(bytes, source, message);
  uint32_t field;
  int wt;
  while (r.Next(&field, &wt)) {
    if (!handle(field, wt, r)) r.Skip(wt);
  }
}

// ValueInfoProto -> name, TypeProto.tensor_type.{elem_type, shape.dim[].dim_value}.
OnnxValueInfo ParseValueInfo(std::string_view bytes, const std::string& source) {
  OnnxValueInfo v;
  auto dimension = [&](uint32_t field, int wt, WireReader& r) {
    if (field != 1 || wt != kLengthDelimited) return false;
    int64_t value = -1;  // symbolic (dim_param) or unknown
    ForEachField(r.Bytes(), source, "TensorShapeProto.Dimension", [&](uint32_t f, int w, WireReader& d) {
      if (f != 1 || w != kVarint) return false;
      value = static_cast<int64_t>(d.Varint());
      return true;
    });
    v.dims.push_back(value);
    return true;
  };
  auto tensor_type = [&](uint32_t field, int wt, WireReader& r) {
    if (field == 1 && wt == kVarint) {
      v.elem_type = static_cast<int32_t>(r.Varint());
      return true;
    }
    if (field != 2 || wt != kLengthDelimited) return false;
    ForEachField(r.Bytes(), source, "TensorShapeProto", dimension);
    return true;
  };
  auto type = [&](uint32_t field, int wt, WireReader& r) {
    if (field != 1 || wt != kLengthDelimited) return false;
    ForEachField(r.Bytes(), source, "TypeProto.Tensor", tensor_type);
    return true;
  };
  ForEachField(bytes, source, "ValueInfoProto", [&](uint32_t field, int wt, WireReader& r) {
    if (field == 1 && wt == kLengthDelimited) {
      v.name = std::string(r.Bytes());
      return true;
    }
    if (field != 2 || wt != kLengthDelimited) return false;
    ForEachField(r.Bytes(), source, "TypeProto", type);
    return true;
  });
  return v;
}

void ParseGraph(std::string_view bytes, const std::string& source, OnnxModel* model) {
  WireReader r(bytes, source, "GraphProto");
  std::vector<OnnxValueInfo> inputs;
  uint32_t field;
  int wt;
  while (r.Next(&field, &wt)) {
    switch (field) {
      case 1: r.Expect(wt, kLengthDelimited, field); model->nodes.push_back(ParseNode(r.Bytes(), source)); break;
      case 5: {
        r.Expect(wt, kLengthDelimited, field);
        OnnxTensor t = ParseTensor(r.Bytes(), source);
        std::string name = t.name;
        model->initializers[name] = std::move(t);
        break;
      }
      case 11: r.Expect(wt, kLengthDelimited, field); inputs.push_back(ParseValueInfo(r.Bytes(), source)); break;
      case 12: r.Expect(wt, kLengthDelimited, field); model->outputs.push_back(ParseValueInfo(r.Bytes(), source)); break;
      default: r.Skip(wt);
    }
  }
  for (OnnxValueInfo& v : inputs) {
    if (model->initializers.count(v.name) == 0) model->inputs.push_back(std::move(v));
  }
}

}  // namespace

int64_t OnnxTensor::NumElements() const {
  int64_t n = 1;
  for (int64_t d : dims) {
    if (d != 0 && n > std::numeric_limits<int64_t>::max() / d) return -1;
    n *= d;
  }
  return n;
}

const OnnxAttribute* OnnxNode::Find(const std::string& key, OnnxAttribute::Type type,
                                    const char* type_name) const {
  const auto it = attributes.find(key);
  if (it == attributes.end()) return nullptr;
  GAITLENS_CHECK_INPUT(it->second.type == type, FormatError, Excerpt(op_type), " node '",
                       Excerpt(name), "': attribute ", Excerpt(key), " is not ", type_name);
  return &it->second;
}

int64_t OnnxNode::Int(const std::string& key, int64_t fallback) const {
  const OnnxAttribute* a = Find(key, OnnxAttribute::Type::kInt, "an integer");
  return a != nullptr ? a->i : fallback;
}

float OnnxNode::Float(const std::string& key, float fallback) const {
  const OnnxAttribute* a = Find(key, OnnxAttribute::Type::kFloat, "a float");
  return a != nullptr ? a->f : fallback;
}

std::string OnnxNode::String(const std::string& key, const std::string& fallback) const {
  const OnnxAttribute* a = Find(key, OnnxAttribute::Type::kString, "a string");
  return a != nullptr ? a->s : fallback;
}

std::vector<int64_t> OnnxNode::Ints(const std::string& key, std::vector<int64_t> fallback) const {
  const OnnxAttribute* a = Find(key, OnnxAttribute::Type::kInts, "a list of integers");
  return a != nullptr ? a->ints : fallback;
}

OnnxModel ParseOnnxModel(std::string_view bytes, const std::string& source) {
  OnnxModel model;
  WireReader r(bytes, source, "ModelProto");
  bool has_graph = false;
  uint32_t field;
  int wt;
  while (r.Next(&field, &wt)) {
    switch (field) {
      case 1: r.Expect(wt, kVarint, field); model.ir_version = static_cast<int64_t>(r.Varint()); break;
      case 7: r.Expect(wt, kLengthDelimited, field); ParseGraph(r.Bytes(), source, &model); has_graph = true; break;
      case 8: {
        r.Expect(wt, kLengthDelimited, field);
        WireReader opset(r.Bytes(), source, "OperatorSetIdProto");
        std::string domain;
        int64_t version = 0;
        while (opset.Next(&field, &wt)) {
          if (field == 1 && wt == kLengthDelimited) {
            domain = std::string(opset.Bytes());
          } else if (field == 2 && wt == kVarint) {
            version = static_cast<int64_t>(opset.Varint());
          } else {
            opset.Skip(wt);
          }
        }
        if (domain.empty() || domain == "ai.onnx") model.opset = version;
        break;
      }
      default: r.Skip(wt);
    }
  }
  GAITLENS_CHECK_INPUT(has_graph && !model.nodes.empty(), FormatError, source,
                       ": not an ONNX model (no graph with nodes)");
  return model;
}

OnnxModel ReadOnnxModel(const std::string& path) {
  return ParseOnnxModel(ReadFileToString(path), path);
}

}  // namespace gaitlens::internal
