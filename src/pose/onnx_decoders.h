// Decoders and crop geometry of the top-down ONNX detector (src/pose/onnx_detector.cc), free of
// OpenCV so that they can be tested on hand-made arrays.
#ifndef GAITLENS_SRC_POSE_ONNX_DECODERS_H_
#define GAITLENS_SRC_POSE_ONNX_DECODERS_H_

#include <vector>

#include "gaitlens/pose/pose_sequence.h"

namespace gaitlens::internal {

// The axis-aligned region of the frame that the network sees, in frame pixels. It may extend
// past the frame's borders (those parts are black). The network input of input_width x
// input_height pixels covers it exactly: frame x = left() + net x * width / input_width.
struct TopDownCrop {
  double centre_x = 0, centre_y = 0;
  double width = 0, height = 0;

  double left() const { return centre_x - width / 2; }
  double top() const { return centre_y - height / 2; }
};

// Grows the box's width or height (never shrinks it) so that width / height == aspect, keeping
// its centre (MMPose's _fix_aspect_ratio).
TopDownCrop FitAspectRatio(double centre_x, double centre_y, double width, double height,
                           double aspect);

// The whole frame fitted into the network's aspect ratio (letterboxed or pillarboxed, centred).
TopDownCrop WholeFrameCrop(int frame_width, int frame_height, int input_width, int input_height);

// The crop that follows the runner: the box around the keypoints with confidence >=
// min_confidence (coordinates clamped to the frame), enlarged by `padding` about its centre,
// then fitted to the network's aspect ratio. Returns false (runner lost) when fewer than 2
// keypoints are confident or the box's longer side is under 8 pixels.
bool CropAroundKeypoints(const std::vector<Keypoint>& keypoints, double min_confidence,
                         double padding, int frame_width, int frame_height, int input_width,
                         int input_height, TopDownCrop* crop);

// Network input pixels -> frame pixels, in place. Missing points (confidence 0) stay at (0, 0).
void MapInputToFrame(const TopDownCrop& crop, int input_width, int input_height,
                     std::vector<Keypoint>* keypoints);

// Heatmaps [K, height, width] (row-major, the batch dimension dropped) -> K keypoints in network
// input pixels. Per keypoint: the argmax cell (first one on ties), shifted by a quarter cell
// towards the higher neighbour along x and along y separately (SimpleBaseline / HRNet / MMPose
// "get_max_preds" + default post-processing; an axis is not shifted at the border), then scaled
// by input size / heatmap size. Confidence = the maximum clamped to [0, 1]; a keypoint whose
// maximum is <= 0 (or NaN everywhere) is missing: confidence 0 at (0, 0).
std::vector<Keypoint> DecodeHeatmaps(const float* heatmaps, int num_keypoints, int height,
                                     int width, int input_width, int input_height);

// SimCC vectors simcc_x [K, x_bins] and simcc_y [K, y_bins] -> K keypoints in network input
// pixels: x = argmax_x / split_ratio, y = argmax_y / split_ratio (RTMPose's get_simcc_maximum).
// Confidence = min(max_x, max_y) clamped to [0, 1]. RTMPose exports usually output raw logits,
// so the score is model-specific and saturates at 1; points with a score <= 0 are missing.
std::vector<Keypoint> DecodeSimcc(const float* simcc_x, int x_bins, const float* simcc_y,
                                  int y_bins, int num_keypoints, double split_ratio);

}  // namespace gaitlens::internal

#endif  // GAITLENS_SRC_POSE_ONNX_DECODERS_H_
