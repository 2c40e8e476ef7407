// Decoding of MoveNet SinglePose's CenterNet heads, the post-processing the TF.js graph does
// itself and that the ONNX conversion drops (see scripts/models/tfjs_to_onnx.py).
#ifndef GAITLENS_SRC_POSE_MOVENET_DECODER_H_
#define GAITLENS_SRC_POSE_MOVENET_DECODER_H_

#include <vector>

#include "gaitlens/pose/pose_sequence.h"

namespace gaitlens::internal {

// Heads on a G x G grid: heatmaps 17 channels (after sigmoid), centres 1 (after sigmoid),
// regression and offsets 34 ((y, x) per keypoint). Element (channel c, cell) of a head is
// head[c * channel_stride + cell * cell_stride]: planar (NCHW, OpenCV) by default; XNNPACK's
// NHWC outputs have channel_stride 1 and cell_stride = the head's channel count.
struct MoveNetHeads {
  struct Head {
    const float* data = nullptr;
    int channel_stride = 0;  // 0 = G * G (planar)
    int cell_stride = 1;
    float at(int channel, int cell, int grid) const {
      return data[channel * (channel_stride != 0 ? channel_stride : grid * grid) + cell * cell_stride];
    }
  };
  int grid = 0;
  Head heatmaps, centres, regression, offsets;
};

// 17 COCO keypoints with x, y normalised to [0, 1] of the network input and their scores:
//  1. the person centre = argmax of centres / (distance to the grid centre + 1.8);
//  2. each keypoint's regressed position = centre + regression at the centre;
//  3. the keypoint cell = argmax of heatmap / (distance to the regressed position + 1.8);
//  4. position = (cell + offset at the cell) / G, score = heatmap at the cell.
std::vector<Keypoint> DecodeMoveNet(const MoveNetHeads& heads);

}  // namespace gaitlens::internal

#endif  // GAITLENS_SRC_POSE_MOVENET_DECODER_H_
