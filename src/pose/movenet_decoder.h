// Decoding of MoveNet SinglePose's CenterNet heads, the post-processing the TF.js graph does
// itself and that the ONNX conversion drops (see scripts/models/tfjs_to_onnx.py).
#ifndef GAITLENS_SRC_POSE_MOVENET_DECODER_H_
#define GAITLENS_SRC_POSE_MOVENET_DECODER_H_

#include <vector>

#include "gaitlens/pose/pose_sequence.h"

namespace gaitlens::internal {

// Heads on a G x G grid, NCHW without the batch: heatmaps 17 x G x G (after sigmoid),
// centres G x G (after sigmoid), regression and offsets 34 x G x G ((y, x) per keypoint).
struct MoveNetHeads {
  int grid = 0;
  const float* heatmaps = nullptr;
  const float* centres = nullptr;
  const float* regression = nullptr;
  const float* offsets = nullptr;
};

// 17 COCO keypoints with x, y normalised to [0, 1] of the network input and their scores:
//  1. the person centre = argmax of centres / (distance to the grid centre + 1.8);
//  2. each keypoint's regressed position = centre + regression at the centre;
//  3. the keypoint cell = argmax of heatmap / (distance to the regressed position + 1.8);
//  4. position = (cell + offset at the cell) / G, score = heatmap at the cell.
std::vector<Keypoint> DecodeMoveNet(const MoveNetHeads& heads);

}  // namespace gaitlens::internal

#endif  // GAITLENS_SRC_POSE_MOVENET_DECODER_H_
