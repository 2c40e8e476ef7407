#include "gaitlens/pose/pose_sequence.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "gaitlens/core/error.h"

namespace gaitlens {

namespace {
constexpr double kMaxAbsCoordinate = 1e6;  // pixels; larger values are corrupt, not a big image
}  // namespace

PoseSequence::PoseSequence(KeypointLayout layout, int num_frames)
    : layout_(layout),
      num_frames_(num_frames),
      num_keypoints_(GetLayoutInfo(layout).num_keypoints()) {
  GAITLENS_CHECK_INPUT(num_frames >= 0, OptionError, "PoseSequence: num_frames must be >= 0, got ",
                       num_frames);
  keypoints_.assign(static_cast<std::size_t>(num_frames_) * num_keypoints_, Keypoint{});
  timestamps_s.assign(num_frames_, 0.0);
}

int PoseSequence::Offset(int frame, int keypoint) const {
  if (frame < 0 || frame >= num_frames_ || keypoint < 0 || keypoint >= num_keypoints_) {
    GAITLENS_THROW(OptionError, "PoseSequence: index (frame ", frame, ", keypoint ", keypoint,
                   ") outside ", num_frames_, " x ", num_keypoints_);
  }
  return frame * num_keypoints_ + keypoint;
}

double PoseSequence::EstimatedFps() const {
  if (timestamps_s.size() < 2) return 0.0;
  std::vector<double> intervals;
  intervals.reserve(timestamps_s.size() - 1);
  for (std::size_t i = 1; i < timestamps_s.size(); ++i) {
    intervals.push_back(timestamps_s[i] - timestamps_s[i - 1]);
  }
  std::nth_element(intervals.begin(), intervals.begin() + intervals.size() / 2, intervals.end());
  const double median = intervals[intervals.size() / 2];
  return median > 0.0 ? 1.0 / median : 0.0;
}

void PoseSequence::SetUniformTimestamps(double fps) {
  GAITLENS_CHECK_INPUT(std::isfinite(fps) && fps > 0.0 && fps <= 10000.0, OptionError,
                       "fps must be in (0, 10000], got ", fps);
  timestamps_s.resize(num_frames_);
  for (int i = 0; i < num_frames_; ++i) timestamps_s[i] = i / fps;
}

void PoseSequence::Validate(const std::string& context) const {
  GAITLENS_CHECK_INPUT(static_cast<int>(timestamps_s.size()) == num_frames_, FormatError, context,
                       ": ", timestamps_s.size(), " timestamps for ", num_frames_, " frames");
  GAITLENS_CHECK_INPUT(
      keypoints_.size() == static_cast<std::size_t>(num_frames_) * num_keypoints_, FormatError,
      context, ": keypoint storage does not match ", num_frames_, " x ", num_keypoints_);
  for (int f = 0; f < num_frames_; ++f) {
    const double t = timestamps_s[f];
    GAITLENS_CHECK_INPUT(std::isfinite(t), FormatError, context, ": frame ", f,
                         ": timestamp is not a finite number");
    if (f > 0) {
      GAITLENS_CHECK_INPUT(t > timestamps_s[f - 1], FormatError, context, ": frame ", f,
                           ": timestamp ", t, " s is not after the previous frame's ",
                           timestamps_s[f - 1], " s");
    }
    for (int k = 0; k < num_keypoints_; ++k) {
      const Keypoint& p = keypoints_[static_cast<std::size_t>(f) * num_keypoints_ + k];
      const char* name = layout_info().keypoint_names[k].c_str();
      GAITLENS_CHECK_INPUT(std::isfinite(p.confidence) && p.confidence >= 0.0 && p.confidence <= 1.0,
                           FormatError, context, ": frame ", f, ", ", name, ": confidence ",
                           p.confidence, " outside [0, 1]");
      GAITLENS_CHECK_INPUT(std::isfinite(p.x) && std::isfinite(p.y), FormatError, context,
                           ": frame ", f, ", ", name, ": coordinate is not a finite number");
      GAITLENS_CHECK_INPUT(std::abs(p.x) <= kMaxAbsCoordinate && std::abs(p.y) <= kMaxAbsCoordinate,
                           FormatError, context, ": frame ", f, ", ", name, ": coordinate (", p.x,
                           ", ", p.y, ") beyond ", kMaxAbsCoordinate, " pixels");
    }
  }
}

double PoseSequence::DetectedFraction(const std::vector<int>& keypoint_indices) const {
  std::vector<int> indices = keypoint_indices;
  if (indices.empty()) {
    for (int k = 0; k < num_keypoints_; ++k) indices.push_back(k);
  }
  if (num_frames_ == 0) return 0.0;
  long detected = 0;
  for (int f = 0; f < num_frames_; ++f) {
    for (int k : indices) detected += at(f, k).IsMissing() ? 0 : 1;
  }
  return static_cast<double>(detected) / (static_cast<double>(num_frames_) * indices.size());
}

PoseSequence ConvertLayout(const PoseSequence& poses, KeypointLayout target) {
  PoseSequence out(target, poses.num_frames());
  out.timestamps_s = poses.timestamps_s;
  out.image_width = poses.image_width;
  out.image_height = poses.image_height;
  out.source = poses.source;
  const KeypointLayoutInfo& from = poses.layout_info();
  const KeypointLayoutInfo& to = out.layout_info();
  std::vector<int> source_index(to.num_keypoints(), -1);
  for (int k = 0; k < to.num_keypoints(); ++k) {
    if (poses.layout() == target) {
      source_index[k] = k;
    } else if (to.to_canonical[k] >= 0) {
      source_index[k] = from.IndexOf(static_cast<CanonicalKeypoint>(to.to_canonical[k]));
    }
  }
  for (int f = 0; f < poses.num_frames(); ++f) {
    for (int k = 0; k < to.num_keypoints(); ++k) {
      if (source_index[k] >= 0) out.at(f, k) = poses.at(f, source_index[k]);
    }
  }
  return out;
}

void SwapLeftRight(PoseSequence* poses, int frame) {
  const std::vector<int>& mirror = poses->layout_info().mirror;
  for (int k = 0; k < poses->num_keypoints(); ++k) {
    if (mirror[k] > k) std::swap(poses->at(frame, k), poses->at(frame, mirror[k]));
  }
}

}  // namespace gaitlens
