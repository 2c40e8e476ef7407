// libFuzzer target for the ONNX reader (src/pose/onnx_model.cc): on any bytes it must either
// return a model or throw a gaitlens::Error with a printable message; a crash, a sanitizer report
// or any other exception is a bug. Seeds: tests/fuzz/corpus/fuzz_onnx_model (a small generated
// graph, see tests/pose/make_ops_onnx.py). Built and run by tests/fuzz/run_fuzzers.sh.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "fuzz_common.h"
#include "gaitlens/core/error.h"
#include "pose/onnx_model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    const gaitlens::internal::OnnxModel model = gaitlens::internal::ParseOnnxModel(bytes, "fuzz.onnx");
    if (model.nodes.empty()) std::abort();  // the reader promises a graph with nodes
    for (const auto& [name, tensor] : model.initializers) {
      if (tensor.data_type == 1 && static_cast<int64_t>(tensor.values.size()) != tensor.NumElements()) {
        std::abort();
      }
    }
    for (const auto& node : model.nodes) {  // typed look-ups throw, never crash
      try {
        node.Int("group", 1);
        node.Ints("pads", {});
        node.Float("alpha", 0);
        node.String("mode", "");
      } catch (const gaitlens::Error& error) {
        if (!gaitlens::fuzz::IsPrintableUtf8(error.what())) std::abort();
      }
    }
  } catch (const gaitlens::Error& error) {
    if (!gaitlens::fuzz::IsPrintableUtf8(error.what())) std::abort();
  }
  return 0;
}
