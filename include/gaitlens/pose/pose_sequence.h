// PoseSequence: keypoints of one runner over time, T frames x K keypoints x (x, y, confidence).
#ifndef GAITLENS_POSE_POSE_SEQUENCE_H_
#define GAITLENS_POSE_POSE_SEQUENCE_H_

#include <string>
#include <vector>

#include "gaitlens/pose/keypoint_layout.h"

namespace gaitlens {

// One detected point in image pixels (x right, y down). confidence in [0, 1]; a point that was
// not detected has confidence 0 and its x, y carry no meaning (they are 0).
struct Keypoint {
  double x = 0.0;
  double y = 0.0;
  double confidence = 0.0;

  bool IsMissing() const { return confidence <= 0.0; }
};

// The confidence at which a keypoint counts as a person seen, not a detector's guess: on a frame
// with nobody in it, detectors still report every keypoint somewhere (MoveNet at 0.03-0.2),
// while a runner's keypoints come at 0.6-0.95 (MoveNet, RTMPose). Used to tell that a video or
// keypoint file shows no runner (ExtractSummary::frames_without_runner, FitLegModel).
inline constexpr double kRunnerConfidence = 0.3;

class PoseSequence {
 public:
  PoseSequence() = default;
  // num_frames frames of the layout, every point missing, timestamps all 0.
  PoseSequence(KeypointLayout layout, int num_frames);

  KeypointLayout layout() const { return layout_; }
  const KeypointLayoutInfo& layout_info() const { return GetLayoutInfo(layout_); }
  int num_frames() const { return num_frames_; }
  int num_keypoints() const { return num_keypoints_; }
  bool empty() const { return num_frames_ == 0; }

  Keypoint& at(int frame, int keypoint) { return keypoints_[Offset(frame, keypoint)]; }
  const Keypoint& at(int frame, int keypoint) const { return keypoints_[Offset(frame, keypoint)]; }
  // All keypoints, frame-major: index frame * num_keypoints() + keypoint.
  std::vector<Keypoint>& keypoints() { return keypoints_; }
  const std::vector<Keypoint>& keypoints() const { return keypoints_; }

  // Seconds from the first frame, one per frame, strictly increasing.
  std::vector<double> timestamps_s;
  // Size of the images the keypoints refer to (0 when unknown).
  int image_width = 0;
  int image_height = 0;
  // Where the keypoints came from: a file path, "movenet-lightning", "synth", ...
  std::string source;

  // Frames per second estimated from the timestamps (median interval); 0 for < 2 frames.
  double EstimatedFps() const;
  // Sets timestamps_s to frame / fps. Throws OptionError for fps outside (0, 10000].
  void SetUniformTimestamps(double fps);
  // Throws FormatError (naming `context`, the frame and keypoint) if anything is inconsistent:
  // timestamps not strictly increasing or not finite, coordinates not finite or beyond
  // 1e6 pixels, confidence outside [0, 1].
  void Validate(const std::string& context) const;
  // Fraction of (frame, keypoint) entries with confidence > 0, over the given keypoint indices
  // (all keypoints when empty).
  double DetectedFraction(const std::vector<int>& keypoint_indices = {}) const;

 private:
  int Offset(int frame, int keypoint) const;

  KeypointLayout layout_ = KeypointLayout::kCanonical;
  int num_frames_ = 0;
  int num_keypoints_ = 0;
  std::vector<Keypoint> keypoints_;
};

// Re-expresses `poses` in another layout: each target point takes the source point with the same
// canonical identity; points the source lacks are missing (confidence 0), never invented.
PoseSequence ConvertLayout(const PoseSequence& poses, KeypointLayout target);

// Swaps every left point with its right mirror in the given frame (in place).
void SwapLeftRight(PoseSequence* poses, int frame);

}  // namespace gaitlens

#endif  // GAITLENS_POSE_POSE_SEQUENCE_H_
