#include "pose/xnn_network.h"

#include <xnnpack.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <utility>

#include "gaitlens/core/error.h"
#include "io/text_util.h"

namespace gaitlens::internal {

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
// Largest tensor accepted (elements), so that a hostile file cannot ask for terabytes.
constexpr size_t kMaxTensorElements = size_t{1} << 28;

xnn_status InitializeOnce() {
  static std::once_flag once;
  static xnn_status status = xnn_status_uninitialized;
  std::call_once(once, [] { status = xnn_initialize(nullptr); });
  return status;
}

// A tensor flowing through the graph: its XNNPACK value id and NHWC dims (rank 4), or the dims
// as given for other ranks.
struct Value {
  uint32_t id = XNN_INVALID_VALUE_ID;
  std::vector<size_t> dims;
};

}  // namespace

bool XnnpackAvailable() { return InitializeOnce() == xnn_status_success; }

struct XnnNetwork::Impl {
  xnn_subgraph_t subgraph = nullptr;
  xnn_runtime_t runtime = nullptr;
  pthreadpool_t pool = nullptr;
  // Static data (weights) must outlive the runtime.
  std::deque<std::vector<float>> constants;

  ~Impl() {
    if (runtime != nullptr) xnn_delete_runtime(runtime);
    if (subgraph != nullptr) xnn_delete_subgraph(subgraph);
    if (pool != nullptr) pthreadpool_destroy(pool);
  }
};

namespace {

class Builder {
 public:
  Builder(const OnnxModel& model, const std::string& source, XnnNetwork::Impl* impl)
      : model_(model), source_(source), impl_(impl) {
    for (const OnnxNode& node : model.nodes) {
      for (const std::string& in : node.inputs) ++consumers_[in];
    }
    for (const OnnxValueInfo& out : model.outputs) {
      ++consumers_[out.name];  // a graph output is never fused away
      is_output_[out.name] = true;
    }
  }

  // Defines the external input (id 0) and outputs (ids 1..n) and every node.
  void Build(XnnNetwork::Tensor* input, std::vector<XnnNetwork::Tensor>* outputs) {
    if (model_.inputs.size() != 1) {
      Fail("the graph has ", model_.inputs.size(), " inputs; one image input is supported");
    }
    const OnnxValueInfo& in = model_.inputs[0];
    if (in.dims.size() != 4 || in.dims[0] != 1 ||
        std::any_of(in.dims.begin() + 1, in.dims.end(), [](int64_t d) { return d <= 0; })) {
      Fail("input '", Excerpt(in.name), "' must have a static shape [1, C, H, W]");
    }
    if (in.dims[1] * in.dims[2] * in.dims[3] > static_cast<int64_t>(kMaxTensorElements) ||
        in.dims[2] > 16384 || in.dims[3] > 16384 || in.dims[1] > 4096) {
      Fail("input '", Excerpt(in.name), "' is too large");
    }
    input->name = in.name;
    input->channels = static_cast<int>(in.dims[1]);
    input->height = static_cast<int>(in.dims[2]);
    input->width = static_cast<int>(in.dims[3]);
    input->data.assign(static_cast<std::size_t>(input->channels) * input->height * input->width, 0.f);
    const uint32_t num_external = 1 + static_cast<uint32_t>(model_.outputs.size());
    Check(xnn_create_subgraph(num_external, 0, &impl_->subgraph), "creating the subgraph");
    Value v;
    v.dims = {1, static_cast<size_t>(input->height), static_cast<size_t>(input->width),
              static_cast<size_t>(input->channels)};
    Check(xnn_define_tensor_value(impl_->subgraph, xnn_datatype_fp32, 4, v.dims.data(), nullptr, 0,
                                  XNN_VALUE_FLAG_EXTERNAL_INPUT, &v.id),
          "defining the input");
    values_[in.name] = v;

    for (std::size_t i = 0; i < model_.nodes.size(); ++i) {
      if (skip_.count(i) == 0) Define(model_.nodes[i]);
    }

    outputs->clear();
    for (std::size_t k = 0; k < model_.outputs.size(); ++k) {
      const std::string& name = model_.outputs[k].name;
      const auto it = values_.find(name);
      if (it == values_.end()) Fail("output '", Excerpt(name), "' is not computed by any node");
      if (it->second.dims.size() != 4) Fail("output '", Excerpt(name), "' is not a rank-4 tensor");
      if (it->second.id != 1 + k) Fail("output '", Excerpt(name), "' is a copy of another tensor");
      XnnNetwork::Tensor t;
      t.name = name;
      t.height = static_cast<int>(it->second.dims[1]);
      t.width = static_cast<int>(it->second.dims[2]);
      t.channels = static_cast<int>(it->second.dims[3]);
      t.data.assign(static_cast<std::size_t>(t.height) * t.width * t.channels, 0.f);
      outputs->push_back(std::move(t));
    }
  }

 private:
  template <typename... Args>
  [[noreturn]] void Fail(const Args&... args) const {
    GAITLENS_THROW(FormatError, source_, ": XNNPACK cannot run this model: ", args...);
  }

  template <typename... Args>
  [[noreturn]] void FailNode(const OnnxNode& node, const Args&... args) const {
    Fail(Excerpt(node.op_type), " node '", Excerpt(node.name), "': ", args...);
  }

  void Check(xnn_status status, const char* what) const {
    if (status != xnn_status_success) Fail("XNNPACK failed ", what, " (status ", static_cast<int>(status), ")");
  }

  void CheckNode(xnn_status status, const OnnxNode& node) const {
    if (status != xnn_status_success) FailNode(node, "XNNPACK rejected it (status ", static_cast<int>(status), ")");
  }

  bool SingleUse(const std::string& tensor) const {
    const auto it = consumers_.find(tensor);
    return it != consumers_.end() && it->second == 1 && is_output_.count(tensor) == 0;
  }

  // The only node reading `tensor`, or nullptr.
  const OnnxNode* OnlyConsumer(const std::string& tensor, std::size_t* index) const {
    if (!SingleUse(tensor)) return nullptr;
    for (std::size_t i = 0; i < model_.nodes.size(); ++i) {
      const OnnxNode& n = model_.nodes[i];
      if (std::find(n.inputs.begin(), n.inputs.end(), tensor) != n.inputs.end()) {
        *index = i;
        return &n;
      }
    }
    return nullptr;
  }

  const Value& Input(const OnnxNode& node, std::size_t k) const {
    if (k >= node.inputs.size()) FailNode(node, "input ", k, " is missing");
    const auto it = values_.find(node.inputs[k]);
    if (it == values_.end()) {
      if (model_.initializers.count(node.inputs[k]) != 0) {
        FailNode(node, "a constant in place of a tensor input is not supported");
      }
      FailNode(node, "input '", Excerpt(node.inputs[k]), "' is not computed before this node");
    }
    return it->second;
  }

  const OnnxTensor* Constant(const OnnxNode& node, std::size_t k) const {
    if (k >= node.inputs.size() || node.inputs[k].empty()) return nullptr;
    const auto it = model_.initializers.find(node.inputs[k]);
    if (it == model_.initializers.end()) return nullptr;
    if (it->second.data_type != 1) FailNode(node, "constant '", Excerpt(it->first), "' is not float32");
    return &it->second;
  }

  // A new value for `name`, external (the graph output id) when `name` is an output.
  Value NewValue(const std::string& name, std::vector<size_t> dims) {
    size_t elements = 1;
    for (size_t d : dims) {
      if (d == 0 || d > kMaxTensorElements || elements > kMaxTensorElements / d) {
        Fail("tensor '", Excerpt(name), "' would be empty or larger than ", kMaxTensorElements, " elements");
      }
      elements *= d;
    }
    Value v;
    v.dims = std::move(dims);
    uint32_t external = XNN_INVALID_VALUE_ID;
    uint32_t flags = 0;
    for (std::size_t k = 0; k < model_.outputs.size(); ++k) {
      if (model_.outputs[k].name == name) {
        external = static_cast<uint32_t>(1 + k);
        flags = XNN_VALUE_FLAG_EXTERNAL_OUTPUT;
      }
    }
    Check(xnn_define_tensor_value(impl_->subgraph, xnn_datatype_fp32, v.dims.size(), v.dims.data(),
                                  nullptr, external, flags, &v.id),
          "defining a tensor");
    values_[name] = v;
    return v;
  }

  uint32_t StaticValue(std::vector<float> data, const std::vector<size_t>& dims) {
    impl_->constants.push_back(std::move(data));
    uint32_t id;
    Check(xnn_define_tensor_value(impl_->subgraph, xnn_datatype_fp32, dims.size(), dims.data(),
                                  impl_->constants.back().data(), XNN_INVALID_VALUE_ID, 0, &id),
          "defining a constant");
    return id;
  }

  // Output clamp of a Clip/Relu node, or false.
  bool ActivationRange(const OnnxNode& node, float* lo, float* hi) const {
    if (node.op_type == "Relu") {
      *lo = 0;
      *hi = kInf;
      return true;
    }
    if (node.op_type != "Clip") return false;
    *lo = node.Float("min", -kInf);
    *hi = node.Float("max", kInf);
    for (std::size_t k = 1; k < 3 && k < node.inputs.size(); ++k) {  // opset >= 11
      if (node.inputs[k].empty()) continue;
      const OnnxTensor* c = Constant(node, k);
      if (c == nullptr || c->values.size() != 1) FailNode(node, "min/max must be scalar constants");
      (k == 1 ? *lo : *hi) = c->values[0];
    }
    return true;
  }

  void Define(const OnnxNode& node) {
    if (!node.domain.empty() && node.domain != "ai.onnx") FailNode(node, "domain ", Excerpt(node.domain));
    const std::string& op = node.op_type;
    if (node.outputs.size() != 1) FailNode(node, "exactly one output is supported");
    if (op == "Conv") return DefineConv(node);
    if (op == "Relu" || op == "Clip") {
      float lo = -kInf, hi = kInf;
      ActivationRange(node, &lo, &hi);
      return DefineUnary(node, [&](uint32_t x, uint32_t y) {
        return xnn_define_clamp(impl_->subgraph, lo, hi, x, y, 0);
      });
    }
    if (op == "Sigmoid") {
      return DefineUnary(node, [&](uint32_t x, uint32_t y) { return xnn_define_sigmoid(impl_->subgraph, x, y, 0); });
    }
    if (op == "LeakyRelu") {
      const float alpha = node.Float("alpha", 0.01f);
      return DefineUnary(node, [&](uint32_t x, uint32_t y) {
        return xnn_define_leaky_relu(impl_->subgraph, alpha, x, y, 0);
      });
    }
    if (op == "Elu") {
      const float alpha = node.Float("alpha", 1.f);
      return DefineUnary(node, [&](uint32_t x, uint32_t y) { return xnn_define_elu(impl_->subgraph, alpha, x, y, 0); });
    }
    if (op == "Identity") {
      values_[node.outputs[0]] = Input(node, 0);
      return;
    }
    if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div") return DefineBinary(node);
    if (op == "Resize" || op == "Upsample") return DefineResize(node);
    if (op == "Pad") return DefinePad(node);
    FailNode(node, "operator not supported (XNNPACK path: Conv, Relu, Clip, Sigmoid, LeakyRelu, Elu, "
                   "Add, Sub, Mul, Div, Identity, constant Pad, 2x Resize)");
  }

  // An elementwise node: its output has the input's shape; define(x_id, y_id) adds it.
  template <typename DefineFunction>
  void DefineUnary(const OnnxNode& node, const DefineFunction& define) {
    const Value& x = Input(node, 0);
    const uint32_t xid = x.id;
    const Value y = NewValue(node.outputs[0], x.dims);
    CheckNode(define(xid, y.id), node);
  }

  void DefineConv(const OnnxNode& node) {
    const Value x = Input(node, 0);
    if (x.dims.size() != 4) FailNode(node, "input must be rank 4");
    const OnnxTensor* w = Constant(node, 1);
    if (w == nullptr || w->dims.size() != 4) FailNode(node, "weights must be a rank-4 constant");
    const OnnxTensor* b = Constant(node, 2);
    if (node.inputs.size() > 2 && !node.inputs[2].empty() && b == nullptr) {
      FailNode(node, "bias must be a constant");
    }
    const std::string auto_pad = node.String("auto_pad", "NOTSET");
    if (auto_pad != "NOTSET" && auto_pad != "VALID") FailNode(node, "auto_pad ", Excerpt(auto_pad));
    const size_t cin = x.dims[3];
    const auto group = static_cast<size_t>(node.Int("group", 1));
    const auto cout = static_cast<size_t>(w->dims[0]);
    const auto kh = static_cast<size_t>(w->dims[2]), kw = static_cast<size_t>(w->dims[3]);
    if (group == 0 || cin % group != 0 || static_cast<size_t>(w->dims[1]) * group != cin ||
        cout % group != 0) {
      FailNode(node, "weights ", w->dims[0], "x", w->dims[1], " do not match ", cin,
               " input channels in ", group, " groups");
    }
    const std::vector<int64_t> kernel = node.Ints("kernel_shape", {w->dims[2], w->dims[3]});
    const std::vector<int64_t> strides = node.Ints("strides", {1, 1});
    const std::vector<int64_t> dilations = node.Ints("dilations", {1, 1});
    std::vector<int64_t> pads = node.Ints("pads", {0, 0, 0, 0});
    if (auto_pad == "VALID") pads = {0, 0, 0, 0};
    if (kernel.size() != 2 || kernel[0] != w->dims[2] || kernel[1] != w->dims[3] ||
        strides.size() != 2 || dilations.size() != 2 || pads.size() != 4) {
      FailNode(node, "only 2D convolutions are supported");
    }
    for (int64_t s : strides) if (s < 1) FailNode(node, "stride < 1");
    for (int64_t d : dilations) if (d < 1) FailNode(node, "dilation < 1");
    for (int64_t p : pads) if (p < 0) FailNode(node, "negative padding");
    const auto span = [&](size_t size, int64_t before, int64_t after, size_t k, int64_t stride,
                          int64_t dilation) -> size_t {
      const int64_t padded = static_cast<int64_t>(size) + before + after;
      const int64_t extent = dilation * (static_cast<int64_t>(k) - 1) + 1;
      if (padded < extent) FailNode(node, "kernel larger than the padded input");
      return static_cast<size_t>((padded - extent) / stride + 1);
    };
    const size_t oh = span(x.dims[1], pads[0], pads[2], kh, strides[0], dilations[0]);
    const size_t ow = span(x.dims[2], pads[1], pads[3], kw, strides[1], dilations[1]);

    std::vector<float> bias(cout, 0.f);
    if (b != nullptr) {
      if (b->values.size() != cout) FailNode(node, "bias has ", b->values.size(), " values for ", cout, " channels");
      bias = b->values;
    }

    // Fuse a following Relu/Clip into the convolution's output range.
    float lo = -kInf, hi = kInf;
    std::string out_name = node.outputs[0];
    std::size_t next_index;
    if (const OnnxNode* next = OnlyConsumer(out_name, &next_index);
        next != nullptr && next->outputs.size() == 1 && ActivationRange(*next, &lo, &hi)) {
      skip_.insert(next_index);
      out_name = next->outputs[0];
    }

    const bool depthwise = group == cin && group > 1 && w->dims[1] == 1;
    std::vector<float> filter(w->values.size());
    const size_t per_out = static_cast<size_t>(w->dims[1]) * kh * kw;
    if (depthwise) {
      // [C*M, 1, kh, kw] -> [1, kh, kw, C*M]
      for (size_t o = 0; o < cout; ++o) {
        for (size_t i = 0; i < kh * kw; ++i) filter[i * cout + o] = w->values[o * per_out + i];
      }
    } else {
      // [O, I/g, kh, kw] -> [O, kh, kw, I/g]
      const auto ig = static_cast<size_t>(w->dims[1]);
      for (size_t o = 0; o < cout; ++o) {
        for (size_t c = 0; c < ig; ++c) {
          for (size_t i = 0; i < kh * kw; ++i) {
            filter[o * per_out + i * ig + c] = w->values[o * per_out + c * kh * kw + i];
          }
        }
      }
    }
    const uint32_t filter_id = depthwise
                                   ? StaticValue(std::move(filter), {1, kh, kw, cout})
                                   : StaticValue(std::move(filter), {cout, kh, kw, cin / group});
    const uint32_t bias_id = StaticValue(std::move(bias), {cout});
    const Value y = NewValue(out_name, {1, oh, ow, cout});
    const auto u = [](int64_t v) { return static_cast<uint32_t>(v); };
    if (depthwise) {
      CheckNode(xnn_define_depthwise_convolution_2d(
                    impl_->subgraph, u(pads[0]), u(pads[3]), u(pads[2]), u(pads[1]), u(kh), u(kw),
                    u(strides[0]), u(strides[1]), u(dilations[0]), u(dilations[1]),
                    u(static_cast<int64_t>(cout / cin)), cin, lo, hi, x.id, filter_id, bias_id, y.id, 0),
                node);
    } else {
      CheckNode(xnn_define_convolution_2d(impl_->subgraph, u(pads[0]), u(pads[3]), u(pads[2]),
                                          u(pads[1]), u(kh), u(kw), u(strides[0]), u(strides[1]),
                                          u(dilations[0]), u(dilations[1]), u(static_cast<int64_t>(group)),
                                          cin / group, cout / group, lo, hi, x.id, filter_id,
                                          bias_id, y.id, 0),
                node);
    }
  }

  // NCHW constant of rank <= 4 -> an NHWC constant that broadcasts against a rank-4 tensor.
  uint32_t BroadcastConstant(const OnnxNode& node, const OnnxTensor& c) {
    std::vector<int64_t> d = c.dims;
    if (d.size() > 4) FailNode(node, "constant of rank ", d.size());
    while (d.size() < 4) d.insert(d.begin(), 1);  // numpy: align to the right
    if (d[0] != 1) FailNode(node, "constant with a batch dimension");
    const auto C = static_cast<size_t>(d[1]), H = static_cast<size_t>(d[2]), W = static_cast<size_t>(d[3]);
    std::vector<float> nhwc(C * H * W);
    for (size_t ch = 0; ch < C; ++ch) {
      for (size_t i = 0; i < H * W; ++i) nhwc[i * C + ch] = c.values[ch * H * W + i];
    }
    return StaticValue(std::move(nhwc), {1, H, W, C});
  }

  void DefineBinary(const OnnxNode& node) {
    if (node.inputs.size() != 2) FailNode(node, "needs two inputs");
    const OnnxTensor* c0 = Constant(node, 0);
    const OnnxTensor* c1 = Constant(node, 1);
    if (c0 != nullptr && c1 != nullptr) FailNode(node, "both inputs constant");
    uint32_t a, b;
    std::vector<size_t> dims;
    if (c0 != nullptr || c1 != nullptr) {
      const Value& x = Input(node, c0 != nullptr ? 1 : 0);
      if (x.dims.size() != 4) FailNode(node, "tensor input must be rank 4");
      dims = x.dims;
      const uint32_t xid = x.id;
      const uint32_t cid = BroadcastConstant(node, c0 != nullptr ? *c0 : *c1);
      a = c0 != nullptr ? cid : xid;
      b = c0 != nullptr ? xid : cid;
    } else {
      const Value& x = Input(node, 0);
      const Value& y = Input(node, 1);
      if (x.dims != y.dims) FailNode(node, "inputs of different shapes");
      dims = x.dims;
      a = x.id;
      b = y.id;
    }
    const Value out = NewValue(node.outputs[0], dims);
    const std::string& op = node.op_type;
    xnn_status s;
    if (op == "Add") {
      s = xnn_define_add2(impl_->subgraph, -kInf, kInf, a, b, out.id, 0);
    } else if (op == "Sub") {
      s = xnn_define_subtract(impl_->subgraph, -kInf, kInf, a, b, out.id, 0);
    } else if (op == "Mul") {
      s = xnn_define_multiply2(impl_->subgraph, -kInf, kInf, a, b, out.id, 0);
    } else {
      s = xnn_define_divide(impl_->subgraph, -kInf, kInf, a, b, out.id, 0);
    }
    CheckNode(s, node);
  }

  // Integer 2x nearest upsampling factors of a Resize/Upsample node, or false.
  bool IsNearest2x(const OnnxNode& node) const {
    if (node.String("mode", "nearest") != "nearest") return false;
    if (node.op_type == "Resize" && node.String("coordinate_transformation_mode", "asymmetric") != "asymmetric") {
      return false;
    }
    const OnnxTensor* scales = nullptr;
    for (std::size_t k = 1; k < node.inputs.size(); ++k) {
      const OnnxTensor* c = Constant(node, k);
      if (c != nullptr && c->values.size() == 4) scales = c;
    }
    return scales != nullptr && scales->values[0] == 1 && scales->values[1] == 1 &&
           scales->values[2] == 2 && scales->values[3] == 2;
  }

  void DefineResize(const OnnxNode& node) {
    if (!IsNearest2x(node)) FailNode(node, "only 2x nearest upsampling is supported");
    const Value x = Input(node, 0);
    if (x.dims.size() != 4) FailNode(node, "input must be rank 4");
    const size_t H = x.dims[1], W = x.dims[2], C = x.dims[3];

    // tfjs_to_onnx.py writes TF's half-pixel bilinear 2x as nearest 2x, reflect pad 1 and a
    // depthwise 3x3 [1/4 1/2 1/4] smoothing: run it as XNNPACK's bilinear resize instead.
    std::size_t pad_index, conv_index;
    const OnnxNode* pad = OnlyConsumer(node.outputs[0], &pad_index);
    const OnnxNode* conv = pad != nullptr && pad->op_type == "Pad" && pad->outputs.size() == 1
                               ? OnlyConsumer(pad->outputs[0], &conv_index)
                               : nullptr;
    if (conv != nullptr && IsReflectPad1(*pad) && IsBilinearSmoothing(*conv, C)) {
      skip_.insert(pad_index);
      skip_.insert(conv_index);
      const Value y = NewValue(conv->outputs[0], {1, 2 * H, 2 * W, C});
      return CheckNode(xnn_define_static_resize_bilinear_2d(impl_->subgraph, 2 * H, 2 * W, x.id, y.id, 0),
                       node);
    }
    // Plain nearest 2x: a per-channel transposed convolution with a 2x2 kernel of ones.
    const uint32_t filter_id = StaticValue(std::vector<float>(C * 4, 1.f), {C, 2, 2, 1});
    const uint32_t bias_id = StaticValue(std::vector<float>(C, 0.f), {C});
    const Value y = NewValue(node.outputs[0], {1, 2 * H, 2 * W, C});
    CheckNode(xnn_define_deconvolution_2d(impl_->subgraph, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 1, 1,
                                          static_cast<uint32_t>(C), 1, 1, -kInf, kInf, x.id,
                                          filter_id, bias_id, y.id, 0),
              node);
  }

  static bool IsReflectPad1(const OnnxNode& pad) {
    return pad.String("mode", "constant") == "reflect" &&
           pad.Ints("pads", {}) == std::vector<int64_t>{0, 0, 1, 1, 0, 0, 1, 1};
  }

  bool IsBilinearSmoothing(const OnnxNode& conv, size_t channels) const {
    if (conv.op_type != "Conv" || conv.inputs.size() != 2) return false;
    const OnnxTensor* w = Constant(conv, 1);
    if (w == nullptr || w->dims != std::vector<int64_t>{static_cast<int64_t>(channels), 1, 3, 3} ||
        conv.Int("group", 1) != static_cast<int64_t>(channels) ||
        conv.Ints("pads", {0, 0, 0, 0}) != std::vector<int64_t>{0, 0, 0, 0} ||
        conv.Ints("strides", {1, 1}) != std::vector<int64_t>{1, 1} ||
        conv.Ints("dilations", {1, 1}) != std::vector<int64_t>{1, 1}) {
      return false;
    }
    constexpr float k1[3] = {0.25f, 0.5f, 0.25f};
    for (size_t c = 0; c < channels; ++c) {
      for (int i = 0; i < 9; ++i) {
        if (std::abs(w->values[c * 9 + i] - k1[i / 3] * k1[i % 3]) > 1e-7f) return false;
      }
    }
    return true;
  }

  void DefinePad(const OnnxNode& node) {
    if (node.String("mode", "constant") != "constant") FailNode(node, "only constant padding is supported");
    std::vector<int64_t> pads = node.Ints("pads", {});
    if (pads.empty()) {
      const OnnxTensor* c = model_.initializers.count(node.inputs.size() > 1 ? node.inputs[1] : "")
                                ? &model_.initializers.at(node.inputs[1])
                                : nullptr;
      FailNode(node, c != nullptr ? "pads given as an input tensor" : "no pads");
    }
    const Value x = Input(node, 0);
    if (x.dims.size() != 4 || pads.size() != 8) FailNode(node, "only rank-4 padding is supported");
    // NCHW pads [n0, c0, h0, w0, n1, c1, h1, w1] -> NHWC
    const size_t pre[4] = {static_cast<size_t>(pads[0]), static_cast<size_t>(pads[2]),
                           static_cast<size_t>(pads[3]), static_cast<size_t>(pads[1])};
    const size_t post[4] = {static_cast<size_t>(pads[4]), static_cast<size_t>(pads[6]),
                            static_cast<size_t>(pads[7]), static_cast<size_t>(pads[5])};
    for (int64_t p : pads) if (p < 0) FailNode(node, "negative padding");
    std::vector<size_t> dims(4);
    for (int i = 0; i < 4; ++i) dims[i] = x.dims[i] + pre[i] + post[i];
    const Value y = NewValue(node.outputs[0], dims);
    CheckNode(xnn_define_static_constant_pad(impl_->subgraph, pre, post, node.Float("value", 0.f),
                                             x.id, y.id, 0),
              node);
  }

  const OnnxModel& model_;
  const std::string& source_;
  XnnNetwork::Impl* impl_;
  std::map<std::string, int> consumers_;
  std::map<std::string, bool> is_output_;
  std::map<std::string, Value> values_;
  std::set<std::size_t> skip_;
};

}  // namespace

XnnNetwork::XnnNetwork(const OnnxModel& model, const std::string& source, int num_threads)
    : impl_(std::make_unique<Impl>()), source_(source) {
  const xnn_status init = InitializeOnce();
  if (init != xnn_status_success) {
    GAITLENS_THROW(Error, "XNNPACK is not usable on this machine (xnn_initialize status ",
                   static_cast<int>(init), ")");
  }
  Builder builder(model, source, impl_.get());
  builder.Build(&input_, &outputs_);
  if (num_threads > 1) impl_->pool = pthreadpool_create(static_cast<size_t>(num_threads));
  const xnn_status created = xnn_create_runtime_v2(impl_->subgraph, impl_->pool, 0, &impl_->runtime);
  if (created != xnn_status_success) {
    GAITLENS_THROW(FormatError, source, ": XNNPACK cannot run this model (creating the runtime failed, status ",
                   static_cast<int>(created), ")");
  }
  std::vector<xnn_external_value> externals;
  externals.push_back({0, input_.data.data()});
  for (std::size_t k = 0; k < outputs_.size(); ++k) {
    externals.push_back({static_cast<uint32_t>(1 + k), outputs_[k].data.data()});
  }
  const xnn_status setup = xnn_setup_runtime(impl_->runtime, externals.size(), externals.data());
  if (setup != xnn_status_success) {
    GAITLENS_THROW(FormatError, source, ": XNNPACK cannot run this model (setup failed, status ",
                   static_cast<int>(setup), ")");
  }
}

XnnNetwork::~XnnNetwork() = default;

void XnnNetwork::Run() {
  const xnn_status status = xnn_invoke_runtime(impl_->runtime);
  if (status != xnn_status_success) {
    GAITLENS_THROW(Error, source_, ": XNNPACK inference failed (status ", static_cast<int>(status), ")");
  }
}

const XnnNetwork::Tensor& XnnNetwork::output(const std::string& name) const {
  for (const Tensor& t : outputs_) {
    if (t.name == name) return t;
  }
  GAITLENS_THROW(FormatError, source_, ": the model has no output '", name, "'");
}

}  // namespace gaitlens::internal
