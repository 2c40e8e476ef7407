// The marker-tracking backend on synthetic marker videos rendered in memory: sub-pixel centres,
// correct labels, nothing reported where no marker is visible, and option checking.
//
// Ground truth for a marker is the projection of its 3D position, placed with the renderer's
// offsets (see RenderOptions::marker_radius_m in gaitlens/synth/render.h): greater trochanter
// = hip + 0.08 s laterally, lateral knee + 0.055 s, lateral ankle + 0.035 s, heel and toe on the
// shoe (s = height / 1.75 m). Whether it is visible is read from the rendered frame: the share
// of its inner disc that shows the marker colour.
#include "gaitlens/pose/marker_detector.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <gtest/gtest.h>

#include "gaitlens/core/error.h"
#include "gaitlens/io/video_reader.h"
#include "gaitlens/pose/keypoint_layout.h"
#include "gaitlens/synth/camera.h"
#include "gaitlens/synth/render.h"
#include "gaitlens/synth/runner.h"
#include "test_util.h"

namespace gaitlens {
namespace {

using synth::BodyPose;
using synth::Camera;
using synth::CameraParams;
using synth::RenderOptions;
using synth::RunnerModel;
using synth::RunnerParams;

constexpr int kLabels = 5;  // hip, knee, ankle, heel, toe
const char* const kLabelNames[kLabels] = {"hip", "knee", "ankle", "heel", "toe"};
// Canonical index of each label on the left side (right = +1).
constexpr std::array<int, kLabels> kCanonicalLeft = {0, 2, 4, 6, 8};

struct MarkerTruth {
  Eigen::Vector2d p = Eigen::Vector2d::Zero();
  double radius_px = 0;
  bool facing = false;  // drawn at all (faces the camera)
};

// [side][label] marker truth at time t, with the renderer's placement and facing rules.
std::array<std::array<MarkerTruth, kLabels>, 2> Truth(const RunnerModel& runner,
                                                      const Camera& camera, double t,
                                                      const RenderOptions& options) {
  const BodyPose pose = runner.PoseAt(t);
  const double s = runner.params().height_m / 1.75;
  const Eigen::Vector3d up(0, 1, 0);
  std::array<std::array<MarkerTruth, kLabels>, 2> truth;
  for (int side = 0; side < 2; ++side) {
    const Eigen::Vector3d out(0, 0, side == synth::kRight ? 1.0 : -1.0);
    const Eigen::Vector3d& heel = pose[synth::kLeftHeel + side];
    const Eigen::Vector3d& toe = pose[synth::kLeftBigToe + side];
    const Eigen::Vector3d u = (toe - heel).normalized();
    const Eigen::Vector3d n = (up - up.dot(u) * u).normalized();
    const std::array<Eigen::Vector3d, kLabels> position = {
        pose[synth::kLeftHip + side] + 0.08 * s * out,
        pose[synth::kLeftKnee + side] + 0.055 * s * out,
        pose[synth::kLeftAnkle + side] + 0.035 * s * out,
        heel - 0.008 * s * u + 0.04 * s * n,
        toe - 0.08 * (toe - heel).norm() * u + 0.045 * s * n};
    const std::array<Eigen::Vector3d, kLabels> normal = {out, out, out, -u, (u + n).normalized()};
    const std::array<double, kLabels> min_facing = {-0.15, -0.15, -0.15, -0.3, -0.2};
    for (int label = 0; label < kLabels; ++label) {
      MarkerTruth& m = truth[side][label];
      const double depth = camera.Depth(position[label]);
      m.p = camera.Project(position[label]);
      m.radius_px = std::max(1.5, camera.focal_px() * options.marker_radius_m / depth);
      const Eigen::Vector3d to_eye = (camera.position() - position[label]).normalized();
      m.facing = depth > 0.05 && normal[label].dot(to_eye) >= min_facing[label];
    }
  }
  return truth;
}

bool IsMarkerColour(const Image& image, int x, int y, const RenderOptions& options) {
  const std::uint8_t* p = image.row(y) + 3 * x;
  return std::abs(p[0] - options.marker_b) + std::abs(p[1] - options.marker_g) +
             std::abs(p[2] - options.marker_r) <
         60;
}

// Share of the disc of the given radius around p that shows the marker colour.
double ColourShare(const Image& image, const Eigen::Vector2d& p, double radius,
                   const RenderOptions& options) {
  int total = 0, coloured = 0;
  for (int y = static_cast<int>(std::floor(p.y() - radius)); y <= p.y() + radius; ++y) {
    for (int x = static_cast<int>(std::floor(p.x() - radius)); x <= p.x() + radius; ++x) {
      if (std::hypot(x - p.x(), y - p.y()) > radius) continue;
      ++total;
      if (x < 0 || y < 0 || x >= image.width() || y >= image.height()) continue;
      coloured += IsMarkerColour(image, x, y, options);
    }
  }
  return total > 0 ? static_cast<double>(coloured) / total : 0.0;
}

enum class Seen { kVisible, kHidden, kUnclear };

// Whether each marker is fully visible, fully hidden, or neither (partly hidden, or so close
// to another marker that the pixels cannot be told apart).
std::array<std::array<Seen, kLabels>, 2> Visibility(
    const Image& image, const std::array<std::array<MarkerTruth, kLabels>, 2>& truth,
    const RenderOptions& options) {
  std::array<std::array<Seen, kLabels>, 2> seen;
  for (int side = 0; side < 2; ++side) {
    for (int label = 0; label < kLabels; ++label) {
      const MarkerTruth& m = truth[side][label];
      bool crowded = false;
      for (int s2 = 0; s2 < 2; ++s2) {
        for (int l2 = 0; l2 < kLabels; ++l2) {
          if ((s2 != side || l2 != label) && truth[s2][l2].facing &&
              (truth[s2][l2].p - m.p).norm() < m.radius_px + truth[s2][l2].radius_px + 2) {
            crowded = true;
          }
        }
      }
      const double outline = std::max(1.0, 0.14 * m.radius_px);
      const double inner = ColourShare(image, m.p, m.radius_px - outline - 1, options);
      const double any = ColourShare(image, m.p, m.radius_px + 1, options);
      if (!m.facing || any == 0) {
        seen[side][label] = Seen::kHidden;
      } else if (m.facing && inner >= 0.95 && !crowded) {
        seen[side][label] = Seen::kVisible;
      } else {
        seen[side][label] = Seen::kUnclear;
      }
    }
  }
  return seen;
}

struct Score {
  std::vector<double> near_errors;  // px, visible near-leg markers that were reported
  int near_visible = 0, near_correct = 0, near_reported = 0;
  int far_visible = 0, far_reported_visible = 0, far_correct = 0;
  int hidden = 0, reported_hidden = 0;
  int frames = 0;
  double detector_seconds = 0;
  std::array<int, kLabels> near_wrong_by_label{};

  double Median() const {
    if (near_errors.empty()) return 1e9;
    std::vector<double> e = near_errors;
    std::nth_element(e.begin(), e.begin() + e.size() / 2, e.end());
    return e[e.size() / 2];
  }
  double NearAccuracy() const { return near_visible ? double(near_correct) / near_visible : 0; }
  double FarAccuracy() const {
    return far_reported_visible ? double(far_correct) / far_reported_visible : 1;
  }
  double FalseReportRate() const { return hidden ? double(reported_hidden) / hidden : 0; }
  void Add(const Score& o) {
    near_errors.insert(near_errors.end(), o.near_errors.begin(), o.near_errors.end());
    near_visible += o.near_visible;
    near_correct += o.near_correct;
    near_reported += o.near_reported;
    far_visible += o.far_visible;
    far_reported_visible += o.far_reported_visible;
    far_correct += o.far_correct;
    hidden += o.hidden;
    reported_hidden += o.reported_hidden;
    frames += o.frames;
    detector_seconds += o.detector_seconds;
    for (int l = 0; l < kLabels; ++l) near_wrong_by_label[l] += o.near_wrong_by_label[l];
  }
  std::string Report(const std::string& what) const {
    char line[512];
    std::snprintf(line, sizeof(line),
                  "%s: %d frames, near leg: median error %.3f px, labels correct %.2f %% of %d "
                  "visible markers (reported %d); far leg: %d of %d visible reported, %.2f %% of "
                  "those correct; reported while hidden: %d of %d; detector %.0f frames/s",
                  what.c_str(), frames, Median(), 100 * NearAccuracy(), near_visible,
                  near_reported, far_reported_visible, far_visible, 100 * FarAccuracy(),
                  reported_hidden, hidden, detector_seconds > 0 ? frames / detector_seconds : 0);
    return line;
  }
};

constexpr double kLabelTolerancePx = 3.0;

// Renders `seconds` of video and runs the detector on every frame. With a video_path, the
// detector sees the frames after a round trip through a lossy video file (MPEG-4 part 2) at
// that path; visibility is always judged on the lossless frame.
Score RunClip(const RunnerParams& runner_params, const CameraParams& camera_params, double seconds,
              const RenderOptions& render, const MarkerOptions& marker_options,
              const std::string& video_path = "") {
  const RunnerModel runner(runner_params, seconds + 0.5);
  const Camera camera(camera_params, runner_params.height_m);
  auto detector = CreateMarkerDetector(marker_options);
  EXPECT_EQ(detector->layout(), KeypointLayout::kCanonical);
  Score score;
  std::vector<Keypoint> keypoints;
  const int frames = static_cast<int>(seconds * camera_params.fps);
  std::vector<double> times;
  for (int f = 0; f < frames; ++f) times.push_back(0.25 + f / camera_params.fps);
  std::unique_ptr<VideoReader> reader;
  if (!video_path.empty()) {
    synth::RenderVideo(runner, camera, times, video_path, render);
    reader = std::make_unique<VideoReader>(video_path);
  }
  for (int f = 0; f < frames; ++f) {
    const double t = times[f];
    const Image image = synth::RenderFrame(runner, camera, t, render);
    VideoFrame decoded;
    if (reader) {
      EXPECT_TRUE(reader->Read(&decoded)) << "frame " << f;
      if (decoded.image.empty()) break;
    }
    const auto start = std::chrono::steady_clock::now();
    detector->Detect(reader ? decoded.image : image, &keypoints);
    score.detector_seconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(keypoints.size(), static_cast<size_t>(kNumCanonicalKeypoints));
    for (int k = 10; k < kNumCanonicalKeypoints; ++k) {
      EXPECT_EQ(keypoints[k].confidence, 0.0) << "keypoint " << k << " is not a marker";
    }
    ++score.frames;
    const auto truth = Truth(runner, camera, t, render);
    const auto seen = Visibility(image, truth, render);
    const BodyPose pose = runner.PoseAt(t);
    const int near = camera.Depth(pose[synth::kLeftHip]) < camera.Depth(pose[synth::kRightHip])
                         ? synth::kLeft
                         : synth::kRight;
    for (int side = 0; side < 2; ++side) {
      for (int label = 0; label < kLabels; ++label) {
        const Keypoint& k = keypoints[kCanonicalLeft[label] + side];
        const bool reported = k.confidence > 0;
        if (reported) {
          EXPECT_GT(k.confidence, 0.0);
          EXPECT_LE(k.confidence, 1.0);
        }
        const Eigen::Vector2d at(k.x, k.y);
        // Correct: within a few pixels of its own marker and nearer to it than to any other
        // drawn marker.
        bool correct = false;
        if (reported) {
          const double own = (at - truth[side][label].p).norm();
          correct = own <= kLabelTolerancePx;
          for (int s2 = 0; s2 < 2; ++s2) {
            for (int l2 = 0; l2 < kLabels; ++l2) {
              if ((s2 != side || l2 != label) && truth[s2][l2].facing &&
                  (at - truth[s2][l2].p).norm() < own) {
                correct = false;
              }
            }
          }
        }
        switch (seen[side][label]) {
          case Seen::kVisible:
            if (side == near) {
              ++score.near_visible;
              if (reported) {
                ++score.near_reported;
                score.near_errors.push_back((at - truth[side][label].p).norm());
              }
              score.near_correct += correct;
              score.near_wrong_by_label[label] += !correct;
            } else {
              ++score.far_visible;
              if (reported) {
                ++score.far_reported_visible;
                score.far_correct += correct;
              }
            }
            break;
          case Seen::kHidden:
            ++score.hidden;
            score.reported_hidden += reported;
            break;
          case Seen::kUnclear:
            break;
        }
      }
    }
  }
  return score;
}

CameraParams SideCamera(bool facing_right, double fps) {
  CameraParams params;
  params.facing_right = facing_right;
  params.fps = fps;
  params.width = 720;
  params.height = 1280;
  return params;
}

RenderOptions WithMarkers() {
  RenderOptions options;
  options.markers = true;
  return options;
}

void ExpectGood(const Score& score, const std::string& what) {
  std::printf("[ markers  ] %s\n", score.Report(what).c_str());
  EXPECT_GT(score.near_visible, score.frames * 3) << what;
  EXPECT_LE(score.Median(), 1.0) << what;
  EXPECT_GE(score.NearAccuracy(), 0.99) << what << " wrong by label: hip "
                                        << score.near_wrong_by_label[0] << ", knee "
                                        << score.near_wrong_by_label[1] << ", ankle "
                                        << score.near_wrong_by_label[2] << ", heel "
                                        << score.near_wrong_by_label[3] << ", toe "
                                        << score.near_wrong_by_label[4];
  EXPECT_GE(score.FarAccuracy(), 0.95) << what;
  EXPECT_LE(score.FalseReportRate(), 0.02) << what;
}

TEST(MarkerDetector, SideViewsFacingLeftAndRightAt60And120Fps) {
  Score all;
  for (bool facing_right : {false, true}) {
    for (double fps : {60.0, 120.0}) {
      RunnerParams runner;
      runner.seed = facing_right ? 7 : 3;
      if (fps > 100 && !facing_right) {
        // A shorter runner with a higher cadence and more knee lift.
        runner.height_m = 1.62;
        runner.sex = Sex::kFemale;
        runner.cadence_spm = 180;
        runner.swing_knee_flexion_deg = 120;
      } else if (fps > 100) {
        // A tall, slower runner landing flatter.
        runner.height_m = 1.85;
        runner.cadence_spm = 165;
        runner.belt_speed_m_s = 3.0;
        runner.swing_knee_flexion_deg = 120;
        runner.foot_strike_angle_deg = 4;
      }
      const double seconds = fps > 100 ? 2.0 : 3.0;
      const std::string what = std::string("side view facing ") +
                               (facing_right ? "right" : "left") + ", " +
                               std::to_string(static_cast<int>(fps)) + " fps";
      const Score score =
          RunClip(runner, SideCamera(facing_right, fps), seconds, WithMarkers(), MarkerOptions());
      ExpectGood(score, what);
      all.Add(score);
    }
  }
  std::printf("[ markers  ] %s\n", all.Report("all side-view clips").c_str());
}

TEST(MarkerDetector, MountingErrorsDistancesFrameRatesAndAHiddenHip) {
  struct Variant {
    std::string what;
    bool facing_right;
    double fps, tilt, roll, pan, distance, fraction;
  };
  // In the first clip the camera looks down on the runner and the hip sticker stays hidden
  // behind the torso: the lengths are learned from knee, ankle, heel and toe alone.
  const std::vector<Variant> variants = {
      {"tilted, rolled and panned camera, hip sticker hidden", false, 60, 8, -4, 3, 3.5, 0.5},
      {"close camera (2.5 m), mounting errors", true, 60, -6, 5, -3, 2.5, 0.6},
      {"30 fps", false, 30, 0, 0, 0, 3.5, 0.5},
      {"far camera (6 m), small runner", true, 60, 0, 0, 0, 6.0, 0.3},
  };
  int seed = 11;
  for (const Variant& v : variants) {
    CameraParams camera = SideCamera(v.facing_right, v.fps);
    camera.tilt_deg = v.tilt;
    camera.roll_deg = v.roll;
    camera.pan_deg = v.pan;
    camera.distance_m = v.distance;
    camera.runner_fraction = v.fraction;
    RunnerParams runner;
    runner.seed = seed++;
    ExpectGood(RunClip(runner, camera, 2.5, WithMarkers(), MarkerOptions()), v.what);
  }
}

TEST(MarkerDetector, ExplicitNearSideAndSmallImages) {
  // The near leg is the runner's left when facing image-left; near_side = "right" relabels the
  // same chain as the right leg, and a 360 x 640 frame (stickers of about 5 px radius) still
  // gives sub-pixel centres.
  CameraParams camera = SideCamera(false, 60);
  camera.width = 360;
  camera.height = 640;
  MarkerOptions options;
  const Score score = RunClip(RunnerParams(), camera, 2.0, WithMarkers(), options);
  ExpectGood(score, "360 x 640, facing left, 60 fps");

  const RunnerModel runner(RunnerParams(), 1.0);
  const Camera cam(camera, 1.75);
  options.near_side = "right";
  auto detector = CreateMarkerDetector(options);
  std::vector<Keypoint> keypoints;
  for (int f = 0; f < 10; ++f) {
    detector->Detect(synth::RenderFrame(runner, cam, 0.2 + f / 60.0, WithMarkers()), &keypoints);
  }
  for (int label = 0; label < kLabels; ++label) {
    EXPECT_GT(keypoints[kCanonicalLeft[label] + 1].confidence, 0) << kLabelNames[label];
  }
  EXPECT_EQ(keypoints[kCanonicalLeft[0]].confidence, 0.0);  // left hip: the far side's, hidden
}

TEST(MarkerDetector, SurvivesALossyVideoFile) {
  // Compression blurs the stickers' colour (chroma is stored at half resolution) and adds
  // ringing; the centres stay well within a pixel.
  const test::TemporaryFolder folder;
  const Score score = RunClip(RunnerParams(), SideCamera(false, 60), 2.0, WithMarkers(),
                              MarkerOptions(), folder.File("markers.mp4"));
  ExpectGood(score, "through an MPEG-4 file, facing left, 60 fps");
}

TEST(MarkerDetector, BrightModeFindsRetroReflectiveMarkers) {
  RenderOptions render = WithMarkers();
  render.marker_b = render.marker_g = render.marker_r = 255;
  MarkerOptions options;
  options.mode = "bright";
  options.brightness_threshold = 245;
  const Score score = RunClip(RunnerParams(), SideCamera(true, 60), 2.0, render, options);
  ExpectGood(score, "bright mode, facing right, 60 fps");
}

TEST(MarkerDetector, FramesWithoutMarkersGiveNothing) {
  const RunnerModel runner(RunnerParams(), 1.0);
  const Camera camera(SideCamera(false, 60), 1.75);
  auto detector = CreateMarkerDetector();
  std::vector<Keypoint> keypoints;
  // A runner without stickers, then a blank frame, then a grey-level frame in bright mode.
  for (int f = 0; f < 5; ++f) {
    detector->Detect(synth::RenderFrame(runner, camera, 0.1 * f), &keypoints);
    ASSERT_EQ(keypoints.size(), static_cast<size_t>(kNumCanonicalKeypoints));
    for (const Keypoint& k : keypoints) EXPECT_EQ(k.confidence, 0.0);
  }
  detector->Detect(Image(320, 240, 3), &keypoints);
  for (const Keypoint& k : keypoints) EXPECT_EQ(k.confidence, 0.0);
  // Colour mode cannot work on grey frames; bright mode can.
  EXPECT_THROW(detector->Detect(Image(320, 240, 1), &keypoints), InputError);
  MarkerOptions bright;
  bright.mode = "bright";
  auto grey_detector = CreateMarkerDetector(bright);
  grey_detector->Detect(Image(320, 240, 1), &keypoints);
  for (const Keypoint& k : keypoints) EXPECT_EQ(k.confidence, 0.0);
}

TEST(MarkerDetector, ResetForgetsTracksAndGivesTheSameResultsAgain) {
  const RunnerModel runner(RunnerParams(), 1.0);
  CameraParams params = SideCamera(true, 60);
  params.width = 360;
  params.height = 640;
  const Camera camera(params, 1.75);
  auto detector = CreateMarkerDetector();
  std::vector<std::vector<Keypoint>> first;
  std::vector<Keypoint> keypoints;
  for (int pass = 0; pass < 2; ++pass) {
    for (int f = 0; f < 25; ++f) {
      detector->Detect(synth::RenderFrame(runner, camera, 0.1 + f / 60.0, WithMarkers()),
                       &keypoints);
      if (pass == 0) {
        first.push_back(keypoints);
      } else {
        for (int k = 0; k < kNumCanonicalKeypoints; ++k) {
          EXPECT_EQ(keypoints[k].x, first[f][k].x);
          EXPECT_EQ(keypoints[k].confidence, first[f][k].confidence);
        }
      }
    }
    detector->Reset();
  }
  EXPECT_EQ(detector->name(), "markers-colour");
}

TEST(MarkerDetector, RejectsBadOptionsNamingTheField) {
  auto expect_bad = [](const MarkerOptions& options, const std::string& field) {
    try {
      options.Check();
      ADD_FAILURE() << "no error for " << field;
    } catch (const OptionError& e) {
      EXPECT_NE(std::string(e.what()).find(field), std::string::npos) << e.what();
    }
    EXPECT_THROW(CreateMarkerDetector(options), OptionError) << field;
  };
  MarkerOptions o;
  o.mode = "infrared";
  expect_bad(o, "mode");
  o = MarkerOptions();
  o.colour_b = o.colour_g = o.colour_r = 200;  // grey: not a colour
  expect_bad(o, "colour_b");
  o = MarkerOptions();
  o.hue_tolerance_deg = 0;
  expect_bad(o, "hue_tolerance_deg");
  o.hue_tolerance_deg = 120;
  expect_bad(o, "hue_tolerance_deg");
  o = MarkerOptions();
  o.min_colour_fraction = 0;
  expect_bad(o, "min_colour_fraction");
  o.min_colour_fraction = std::nan("");
  expect_bad(o, "min_colour_fraction");
  o = MarkerOptions();
  o.brightness_threshold = 0;
  expect_bad(o, "brightness_threshold");
  o.brightness_threshold = 256;
  expect_bad(o, "brightness_threshold");
  o = MarkerOptions();
  o.min_blob_area_px = 0;
  expect_bad(o, "min_blob_area_px");
  o = MarkerOptions();
  o.max_blob_area_px = o.min_blob_area_px;
  expect_bad(o, "max_blob_area_px");
  o = MarkerOptions();
  o.near_side = "middle";
  expect_bad(o, "near_side");
  o = MarkerOptions();
  o.learn_frames = 0;
  expect_bad(o, "learn_frames");
  // A grey target is fine in bright mode, where the colour is not used.
  o = MarkerOptions();
  o.mode = "bright";
  o.colour_b = o.colour_g = o.colour_r = 255;
  EXPECT_NO_THROW(o.Check());
}

}  // namespace
}  // namespace gaitlens
