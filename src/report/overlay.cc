#include "gaitlens/report/overlay.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "core/opencv_util.h"
#include "gaitlens/core/error.h"
#include "gaitlens/io/video_reader.h"
#include "gaitlens/io/video_writer.h"

namespace gaitlens {

namespace {

// Bones as pairs of canonical points.
constexpr std::pair<CanonicalKeypoint, CanonicalKeypoint> kBones[] = {
    {CanonicalKeypoint::kLeftHip, CanonicalKeypoint::kLeftKnee},
    {CanonicalKeypoint::kLeftKnee, CanonicalKeypoint::kLeftAnkle},
    {CanonicalKeypoint::kLeftAnkle, CanonicalKeypoint::kLeftHeel},
    {CanonicalKeypoint::kLeftHeel, CanonicalKeypoint::kLeftBigToe},
    {CanonicalKeypoint::kLeftAnkle, CanonicalKeypoint::kLeftBigToe},
    {CanonicalKeypoint::kRightHip, CanonicalKeypoint::kRightKnee},
    {CanonicalKeypoint::kRightKnee, CanonicalKeypoint::kRightAnkle},
    {CanonicalKeypoint::kRightAnkle, CanonicalKeypoint::kRightHeel},
    {CanonicalKeypoint::kRightHeel, CanonicalKeypoint::kRightBigToe},
    {CanonicalKeypoint::kRightAnkle, CanonicalKeypoint::kRightBigToe},
    {CanonicalKeypoint::kLeftHip, CanonicalKeypoint::kRightHip},
    {CanonicalKeypoint::kLeftShoulder, CanonicalKeypoint::kRightShoulder},
    {CanonicalKeypoint::kLeftShoulder, CanonicalKeypoint::kLeftHip},
    {CanonicalKeypoint::kRightShoulder, CanonicalKeypoint::kRightHip},
    {CanonicalKeypoint::kLeftShoulder, CanonicalKeypoint::kLeftElbow},
    {CanonicalKeypoint::kLeftElbow, CanonicalKeypoint::kLeftWrist},
    {CanonicalKeypoint::kRightShoulder, CanonicalKeypoint::kRightElbow},
    {CanonicalKeypoint::kRightElbow, CanonicalKeypoint::kRightWrist},
};

cv::Scalar SideColour(const std::string& name) {
  if (name.rfind("left", 0) == 0) return {0, 140, 255};   // orange
  if (name.rfind("right", 0) == 0) return {255, 160, 0};  // blue
  return {255, 255, 255};
}

}  // namespace

void OverlayOptions::Check() const {
  GAITLENS_CHECK_INPUT(min_confidence >= 0 && min_confidence <= 1, OptionError,
                       "OverlayOptions.min_confidence must be in [0, 1], got ", min_confidence);
  GAITLENS_CHECK_INPUT(scale > 0 && scale <= 10, OptionError,
                       "OverlayOptions.scale must be in (0, 10], got ", scale);
  GAITLENS_CHECK_INPUT(max_frames >= 0, OptionError,
                       "OverlayOptions.max_frames must be at least 0, got ", max_frames);
}

void DrawSkeleton(Image* image, const std::vector<Keypoint>& keypoints, KeypointLayout layout,
                  const OverlayOptions& options) {
  options.Check();
  const KeypointLayoutInfo& info = GetLayoutInfo(layout);
  GAITLENS_CHECK_INPUT(static_cast<int>(keypoints.size()) == info.num_keypoints(), OptionError,
                       "DrawSkeleton: ", keypoints.size(), " keypoints for layout ", info.name);
  cv::Mat mat = internal::MatFromImage(*image);
  const int thickness = std::max(1, static_cast<int>(std::lround(image->height() / 360.0 * options.scale)));
  auto usable = [&](int k) { return k >= 0 && keypoints[k].confidence >= options.min_confidence; };
  auto point = [&](int k) {
    return cv::Point(static_cast<int>(std::lround(keypoints[k].x * 16)),
                     static_cast<int>(std::lround(keypoints[k].y * 16)));
  };
  for (const auto& [a, b] : kBones) {
    const int ia = info.IndexOf(a), ib = info.IndexOf(b);
    if (!usable(ia) || !usable(ib)) continue;
    cv::line(mat, point(ia), point(ib), SideColour(info.keypoint_names[ia]), thickness, cv::LINE_AA, 4);
  }
  for (int k = 0; k < info.num_keypoints(); ++k) {
    if (!usable(k)) continue;
    cv::circle(mat, point(k), (thickness + 2) * 16, SideColour(info.keypoint_names[k]), cv::FILLED,
               cv::LINE_AA, 4);
  }
}

void WritePoseOverlayVideo(const std::string& video_path, const PoseSequence& poses,
                           const std::string& out_path, const OverlayOptions& options) {
  options.Check();
  VideoReader reader(video_path);
  VideoWriterOptions writer_options;
  writer_options.fps = reader.info().fps > 0 ? reader.info().fps : 30.0;
  VideoWriter writer(out_path, reader.info().width, reader.info().height, writer_options);
  VideoFrame frame;
  std::vector<Keypoint> keypoints(poses.num_keypoints());
  int written = 0;
  while ((options.max_frames <= 0 || written < options.max_frames) && reader.Read(&frame)) {
    ++written;
    GAITLENS_CHECK_INPUT(frame.index < poses.num_frames(), OptionError, video_path, " has more frames (",
                         frame.index + 1, ") than the poses (", poses.num_frames(), ")");
    for (int k = 0; k < poses.num_keypoints(); ++k) keypoints[k] = poses.at(frame.index, k);
    Image canvas = frame.image.Clone();
    DrawSkeleton(&canvas, keypoints, poses.layout(), options);
    writer.Write(canvas);
  }
  writer.Close();
}

}  // namespace gaitlens
