// Runs a float32 ONNX CNN on XNNPACK (Debian's libxnnpack), the engine behind TensorFlow Lite's
// CPU path. It covers the operators of MobileNet-style pose networks (MoveNet, as converted by
// scripts/models/tfjs_to_onnx.py); a model with anything else is refused with the first node that
// is not supported, and the caller falls back to OpenCV DNN.
//
// Tensors are NHWC inside XNNPACK: the input is filled as [H][W][C] and outputs are read the same
// way, although the ONNX graph itself is NCHW.
#ifndef GAITLENS_SRC_POSE_XNN_NETWORK_H_
#define GAITLENS_SRC_POSE_XNN_NETWORK_H_

#include <memory>
#include <string>
#include <vector>

#include "pose/onnx_model.h"

namespace gaitlens::internal {

// Whether this machine's XNNPACK can run float32 networks (it refuses CPUs without SSE2/NEON).
bool XnnpackAvailable();

class XnnNetwork {
 public:
  struct Tensor {
    std::string name;
    int height = 0, width = 0, channels = 0;  // NHWC, batch 1
    std::vector<float> data;
  };

  // Builds the network. The model must have one input of static shape [1, C, H, W] and rank-4
  // outputs. Throws FormatError naming the first node XNNPACK cannot run, and Error when XNNPACK
  // is unusable here. num_threads <= 1 runs on the calling thread.
  XnnNetwork(const OnnxModel& model, const std::string& source, int num_threads);
  ~XnnNetwork();
  XnnNetwork(const XnnNetwork&) = delete;
  XnnNetwork& operator=(const XnnNetwork&) = delete;

  // The input buffer, [H][W][C] floats, to fill before Run().
  Tensor& input() { return input_; }
  void Run();
  // Outputs in the graph's order, valid after Run().
  const std::vector<Tensor>& outputs() const { return outputs_; }
  // The output called `name`; throws FormatError when there is none.
  const Tensor& output(const std::string& name) const;

  struct Impl;  // XNNPACK objects, defined in the .cc

 private:
  std::unique_ptr<Impl> impl_;
  std::string source_;
  Tensor input_;
  std::vector<Tensor> outputs_;
};

}  // namespace gaitlens::internal

#endif  // GAITLENS_SRC_POSE_XNN_NETWORK_H_
