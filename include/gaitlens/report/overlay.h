// Drawing keypoints on video frames, for checking what the detector saw.
#ifndef GAITLENS_REPORT_OVERLAY_H_
#define GAITLENS_REPORT_OVERLAY_H_

#include <string>
#include <vector>

#include "gaitlens/core/image.h"
#include "gaitlens/pose/pose_sequence.h"

namespace gaitlens {

struct OverlayOptions {
  // Points below this confidence are not drawn. In [0, 1].
  double min_confidence = 0.2;
  // Line thickness and point radius scale with the image height; 1 = default.
  double scale = 1.0;
  // WritePoseOverlayVideo: stop after this many frames (0 = the whole video), e.g. when the poses
  // were extracted with a frame limit. At least 0.
  int max_frames = 0;
  void Check() const;
};

// Draws the skeleton (left side orange, right side blue, midline white) on a BGR image.
void DrawSkeleton(Image* image, const std::vector<Keypoint>& keypoints, KeypointLayout layout,
                  const OverlayOptions& options = {});

// Re-reads the video and writes a copy with the poses drawn on it (atomically). poses must have
// one frame per video frame (as ExtractPoses returns them), up to options.max_frames if set.
void WritePoseOverlayVideo(const std::string& video_path, const PoseSequence& poses,
                           const std::string& out_path, const OverlayOptions& options = {});

}  // namespace gaitlens

#endif  // GAITLENS_REPORT_OVERLAY_H_
