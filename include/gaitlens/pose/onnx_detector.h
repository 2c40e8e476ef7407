// "Bring your own model": top-down single-person pose models in ONNX (SimpleBaseline, HRNet,
// ViTPose heatmap models; RTMPose SimCC models), described by a small JSON file and run through
// OpenCV DNN. See docs/pose.md, "Bring your own ONNX model".
#ifndef GAITLENS_POSE_ONNX_DETECTOR_H_
#define GAITLENS_POSE_ONNX_DETECTOR_H_

#include <array>
#include <memory>
#include <string>
#include <string_view>

#include "gaitlens/pose/detector.h"
#include "gaitlens/pose/keypoint_layout.h"

namespace gaitlens {

// What the network outputs.
enum class OnnxOutputKind {
  // One heatmap per keypoint, [1, K, H, W] (SimpleBaseline, HRNet, ViTPose, MMPose "heatmap").
  kHeatmap,
  // RTMPose SimCC: two 1-D classifications per keypoint, simcc_x [1, K, input_width * ratio] and
  // simcc_y [1, K, input_height * ratio].
  kSimcc,
};

// "heatmap", "simcc".
const char* ToString(OnnxOutputKind kind);
// Accepts the names of ToString; throws OptionError listing them otherwise.
OnnxOutputKind OnnxOutputKindFromString(std::string_view name);

// Everything gaitlens needs to know to run a top-down ONNX pose model. In JSON every field is a
// member of the same name (see ReadOnnxModelDescription).
struct OnnxModelDescription {
  // The ONNX file. In a description JSON, relative paths are resolved against the JSON's folder.
  std::string model_path;
  // Network input size in pixels (e.g. 192 x 256 for the usual portrait COCO models).
  int input_width = 192;
  int input_height = 256;
  // Colour order fed to the network: true = RGB (MMPose models), false = BGR.
  bool rgb = true;
  // Per channel, in the network's colour order, applied as (pixel - mean) / std with pixels in
  // 0..255. Defaults: the ImageNet statistics MMPose models use.
  std::array<double, 3> mean = {123.675, 116.28, 103.53};
  std::array<double, 3> std = {58.395, 57.12, 57.375};
  // Heatmaps or SimCC vectors.
  OnnxOutputKind output_kind = OnnxOutputKind::kHeatmap;
  // Keypoints the model outputs, in order; its count must match the model's output.
  KeypointLayout layout = KeypointLayout::kCoco17;
  // SimCC only: bins per input pixel (RTMPose: 2.0).
  double simcc_split_ratio = 2.0;
  // Heatmap only: the output to read; "" = the model's first output. SimCC models must name
  // their outputs "simcc_x" and "simcc_y" or have them as their first two outputs (told apart
  // by length when input_width != input_height); this field must then stay "".
  std::string output_name;
  // The box around the runner's keypoints in the previous frame is enlarged by this factor
  // before being expanded to the network's aspect ratio. In [1, 4].
  double crop_padding = 1.25;

  // Throws OptionError naming the field when a value is out of range.
  void Check() const;
};

// Reads a description JSON (format in docs/pose.md). Throws InputError when the file cannot be
// read, FormatError (naming the file and the field) for malformed JSON, missing required fields
// (model_path, input_width, input_height, output_kind, layout), wrong types, unknown output kinds
// or layouts, unknown fields and out-of-range values.
OnnxModelDescription ReadOnnxModelDescription(const std::string& json_path);

// A top-down detector for one runner: the network sees a crop of the frame with its own aspect
// ratio, centred on the box around the previous frame's keypoints (confidence >= 0.2) enlarged by
// crop_padding, or the whole frame letterboxed when there is no previous frame or the runner was
// lost. Scores are whatever the model outputs clamped to [0, 1]; their calibration is
// model-specific (RTMPose exports may output unnormalised SimCC logits).
// Throws OptionError for a bad description, InputError when the ONNX file is missing,
// FormatError when OpenCV cannot load it or its outputs do not fit the description (kind,
// shape, keypoint count of the layout).
std::unique_ptr<PoseDetector> CreateOnnxDetector(const OnnxModelDescription& description);

}  // namespace gaitlens

#endif  // GAITLENS_POSE_ONNX_DETECTOR_H_
