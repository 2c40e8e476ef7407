// The renderer: frames of the right size, deterministic, with the figure where its joints project,
// a belt that moves, markers where they belong, and a video that reads back.
#include "gaitlens/synth/render.h"

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "gaitlens/core/error.h"
#include "gaitlens/io/video_reader.h"
#include "gaitlens/synth/camera.h"
#include "gaitlens/synth/runner.h"
#include "test_util.h"

namespace gaitlens::synth {
namespace {

CameraParams SmallCamera(View view = View::kSide, bool facing_right = false) {
  CameraParams params;
  params.view = view;
  params.facing_right = facing_right;
  params.width = 320;
  params.height = 480;
  params.runner_fraction = 0.6;
  params.fps = 30;
  return params;
}

std::array<int, 3> PixelAt(const Image& image, double x, double y) {
  const int xi = static_cast<int>(std::lround(x)), yi = static_cast<int>(std::lround(y));
  EXPECT_TRUE(xi >= 0 && yi >= 0 && xi < image.width() && yi < image.height()) << x << ", " << y;
  const std::uint8_t* p = image.row(yi) + static_cast<std::ptrdiff_t>(3) * xi;
  return {p[0], p[1], p[2]};
}

int Difference(const std::array<int, 3>& a, const std::array<int, 3>& b) {
  return std::abs(a[0] - b[0]) + std::abs(a[1] - b[1]) + std::abs(a[2] - b[2]);
}

bool SameBytes(const Image& a, const Image& b) {
  if (a.width() != b.width() || a.height() != b.height() || a.channels() != b.channels()) {
    return false;
  }
  for (int y = 0; y < a.height(); ++y) {
    if (std::memcmp(a.row(y), b.row(y), static_cast<size_t>(a.width()) * a.channels()) != 0) {
      return false;
    }
  }
  return true;
}

// Pixels that differ between two images inside [x0, x1) x [y0, y1).
int CountDifferent(const Image& a, const Image& b, int x0, int y0, int x1, int y1) {
  int count = 0;
  for (int y = std::max(0, y0); y < std::min(a.height(), y1); ++y) {
    for (int x = std::max(0, x0); x < std::min(a.width(), x1); ++x) {
      if (Difference(PixelAt(a, x, y), PixelAt(b, x, y)) > 0) {
        ++count;
      }
    }
  }
  return count;
}

Eigen::Vector2d Px(const Camera& camera, const Eigen::Vector3d& world) {
  return camera.Project(world);
}

// The body side nearer to the camera (side views).
int NearSide(const Camera& camera, const BodyPose& pose) {
  return camera.Depth(pose[kLeftHip]) < camera.Depth(pose[kRightHip]) ? kLeft : kRight;
}

TEST(Render, FramesHaveTheCameraSizeAndAreDeterministic) {
  const RunnerModel runner(RunnerParams(), 2.0);
  for (View view : {View::kSide, View::kRear, View::kFront}) {
    const Camera camera(SmallCamera(view), runner.params().height_m);
    const Image a = RenderFrame(runner, camera, 0.7);
    const Image b = RenderFrame(runner, camera, 0.7);
    EXPECT_EQ(a.width(), 320);
    EXPECT_EQ(a.height(), 480);
    EXPECT_EQ(a.channels(), 3);
    EXPECT_TRUE(SameBytes(a, b)) << ToString(view);
    // Not a constant image, and time and seed change it.
    EXPECT_FALSE(SameBytes(a, RenderFrame(runner, camera, 0.75))) << ToString(view);
    RenderOptions other_seed;
    other_seed.seed = 99;
    EXPECT_FALSE(SameBytes(a, RenderFrame(runner, camera, 0.7, other_seed))) << ToString(view);
  }
  // A fresh renderer (the video path builds its backdrop itself) gives the same pixels too.
  const Camera camera(SmallCamera(), runner.params().height_m);
  const Image first = RenderFrame(runner, camera, 0.3);
  const Image other_camera = RenderFrame(runner, Camera(SmallCamera(View::kRear), 1.75), 0.3);
  EXPECT_FALSE(SameBytes(first, other_camera));
  EXPECT_TRUE(SameBytes(first, RenderFrame(runner, camera, 0.3)));
}

TEST(Render, TheFigureIsWhereItsJointsProject) {
  const RunnerModel runner(RunnerParams(), 2.0);
  RenderOptions empty;
  empty.draw_runner = false;
  for (View view : {View::kSide, View::kRear, View::kFront}) {
    for (bool facing_right : {false, true}) {
      if (view != View::kSide && facing_right) {
        continue;
      }
      const Camera camera(SmallCamera(view, facing_right), runner.params().height_m);
      for (double t : {0.2, 0.55, 0.9}) {
        SCOPED_TRACE(std::string(ToString(view)) + (facing_right ? " right" : "") +
                     " t=" + std::to_string(t));
        const BodyPose pose = runner.PoseAt(t);
        const Image frame = RenderFrame(runner, camera, t);
        const Image background = RenderFrame(runner, camera, t, empty);
        const int near = view == View::kSide ? NearSide(camera, pose) : kLeft;
        const Eigen::Vector3d up(0, 1, 0);
        std::vector<Eigen::Vector3d> on_body = {
            0.5 * (pose[kLeftHip + near] + pose[kLeftKnee + near]),    // mid-thigh
            0.5 * (pose[kLeftKnee + near] + pose[kLeftAnkle + near]),  // mid-shank
            pose[kPelvisCentre] + 0.25 * up,                           // torso
            0.5 * (pose[kNeckBase] + pose[kHeadTop]),                  // head
        };
        // Seen from the front, the treadmill's motor hood may hide the shoes, as in real footage.
        if (view != View::kFront) {
          on_body.push_back(0.5 * (pose[kLeftHeel + near] + pose[kLeftBigToe + near]));
        }
        for (const Eigen::Vector3d& point : on_body) {
          const Eigen::Vector2d p = Px(camera, point);
          EXPECT_GT(Difference(PixelAt(frame, p.x(), p.y()), PixelAt(background, p.x(), p.y())), 30)
              << "no figure at " << p.transpose();
        }
        // Far from the body (above the head and beside the runner) the frame is the backdrop.
        const Eigen::Vector2d head_top = Px(camera, pose[kHeadTop]);
        for (const Eigen::Vector2d& p : {Eigen::Vector2d(head_top.x(), head_top.y() - 60),
                                         Eigen::Vector2d(10, 10), Eigen::Vector2d(310, 200)}) {
          EXPECT_EQ(Difference(PixelAt(frame, p.x(), p.y()), PixelAt(background, p.x(), p.y())), 0)
              << "unexpected drawing at " << p.transpose();
        }
      }
    }
  }
}

TEST(Render, TheBeltMovesAndTheWallDoesNot) {
  const RunnerModel runner(RunnerParams(), 2.0);
  RenderOptions empty;
  empty.draw_runner = false;
  for (View view : {View::kSide, View::kRear}) {
    SCOPED_TRACE(ToString(view));
    const Camera camera(SmallCamera(view), runner.params().height_m);
    const double t = 0.5, dt = 1.0 / camera.params().fps;
    const Image a = RenderFrame(runner, camera, t, empty);
    const Image b = RenderFrame(runner, camera, t + dt, empty);
    // The belt around the runner's feet: between the projections of belt points.
    const Eigen::Vector2d p0 = Px(camera, {-0.4, 0, -0.15}), p1 = Px(camera, {0.4, 0, 0.15});
    const Eigen::Vector2d p2 = Px(camera, {-0.4, 0, 0.15}), p3 = Px(camera, {0.4, 0, -0.15});
    const int x0 = static_cast<int>(std::min({p0.x(), p1.x(), p2.x(), p3.x()}));
    const int x1 = static_cast<int>(std::max({p0.x(), p1.x(), p2.x(), p3.x()}));
    const int y0 = static_cast<int>(std::min({p0.y(), p1.y(), p2.y(), p3.y()}));
    const int y1 = static_cast<int>(std::max({p0.y(), p1.y(), p2.y(), p3.y()})) + 1;
    const int belt_pixels = (x1 - x0) * (y1 - y0);
    ASSERT_GT(belt_pixels, 50);
    EXPECT_GT(CountDifferent(a, b, x0, y0, x1, y1), belt_pixels / 20);
    // The wall (top fifth of the image) is static.
    EXPECT_EQ(CountDifferent(a, b, 0, 0, a.width(), a.height() / 5), 0);
    // After a whole belt loop of texture the belt does not simply stand still at one frame.
    EXPECT_FALSE(SameBytes(a, RenderFrame(runner, camera, t + 3 * dt, empty)));
  }
}

// Whether a pixel within `radius` px of p has (nearly) the given colour.
bool ColourNear(const Image& image, const Eigen::Vector2d& p, double radius,
                const std::array<int, 3>& colour) {
  for (int dy = -static_cast<int>(radius); dy <= radius; ++dy) {
    for (int dx = -static_cast<int>(radius); dx <= radius; ++dx) {
      if (dx * dx + dy * dy > radius * radius) {
        continue;
      }
      const int x = static_cast<int>(std::lround(p.x())) + dx,
                y = static_cast<int>(std::lround(p.y())) + dy;
      if (x < 0 || y < 0 || x >= image.width() || y >= image.height()) {
        continue;
      }
      if (Difference(PixelAt(image, x, y), colour) < 60) {
        return true;
      }
    }
  }
  return false;
}

int CountColour(const Image& image, const std::array<int, 3>& colour) {
  int count = 0;
  for (int y = 0; y < image.height(); ++y) {
    for (int x = 0; x < image.width(); ++x) {
      count += Difference(PixelAt(image, x, y), colour) < 60;
    }
  }
  return count;
}

TEST(Render, MarkersSitOnTheNearAnkleOnlyWhenRequested) {
  const RunnerModel runner(RunnerParams(), 2.0);
  for (bool facing_right : {false, true}) {
    SCOPED_TRACE(facing_right ? "facing right" : "facing left");
    const Camera camera(SmallCamera(View::kSide, facing_right), runner.params().height_m);
    const double scale = runner.params().height_m / 1.75;
    for (double t : {0.1, 0.4, 0.8}) {
      const BodyPose pose = runner.PoseAt(t);
      const int near = NearSide(camera, pose);
      const Eigen::Vector3d lateral(0, 0, near == kRight ? 1.0 : -1.0);
      const Eigen::Vector2d ankle = Px(camera, pose[kLeftAnkle + near] + 0.035 * scale * lateral);
      RenderOptions with;
      with.markers = true;
      const Image marked = RenderFrame(runner, camera, t, with);
      const std::array<int, 3> green = {with.marker_b, with.marker_g, with.marker_r};
      EXPECT_TRUE(ColourNear(marked, ankle, 3, green)) << "t=" << t << " at " << ankle.transpose();
      const Image plain = RenderFrame(runner, camera, t);
      EXPECT_FALSE(ColourNear(plain, ankle, 3, green)) << "t=" << t;
      EXPECT_EQ(CountColour(plain, green), 0) << "marker colour in a frame without markers";
      // The colour option is honoured.
      RenderOptions magenta = with;
      magenta.marker_b = 230;
      magenta.marker_g = 30;
      magenta.marker_r = 230;
      const Image recoloured = RenderFrame(runner, camera, t, magenta);
      EXPECT_TRUE(ColourNear(recoloured, ankle, 3, {230, 30, 230}));
      EXPECT_FALSE(ColourNear(recoloured, ankle, 3, green));
    }
  }
}

TEST(Render, MarkersOnTheFarLegAreHiddenInASideView) {
  // The lateral ankle marker of the far leg faces away from the camera.
  const RunnerModel runner(RunnerParams(), 2.0);
  const Camera camera(SmallCamera(), runner.params().height_m);
  RenderOptions with;
  with.markers = true;
  const std::array<int, 3> green = {with.marker_b, with.marker_g, with.marker_r};
  int hidden = 0, frames = 0;
  for (double t = 0.05; t < 1.0; t += 0.1) {
    const BodyPose pose = runner.PoseAt(t);
    const int far = 1 - NearSide(camera, pose);
    const Eigen::Vector2d knee = Px(camera, pose[kLeftKnee + far]);
    const Eigen::Vector2d near_knee = Px(camera, pose[kLeftKnee + (1 - far)]);
    if ((knee - near_knee).norm() < 12) {
      continue;  // the near leg's marker would be within reach
    }
    ++frames;
    hidden += !ColourNear(RenderFrame(runner, camera, t, with), knee, 2, green);
  }
  ASSERT_GT(frames, 3);
  EXPECT_EQ(hidden, frames);
}

TEST(Render, VideoReadsBackWithTheRequestedFramesSizeAndRate) {
  const test::TemporaryFolder folder;
  const RunnerModel runner(RunnerParams(), 1.0);
  const Camera camera(SmallCamera(), runner.params().height_m);
  std::vector<double> times;
  times.reserve(15);
  for (int f = 0; f < 15; ++f) {
    times.push_back(f / camera.params().fps);
  }
  const std::string path = folder.File("runner.mp4");
  RenderVideo(runner, camera, times, path);
  VideoReader reader(path);
  EXPECT_EQ(reader.info().width, 320);
  EXPECT_EQ(reader.info().height, 480);
  EXPECT_NEAR(reader.info().fps, 30.0, 0.01);
  VideoFrame frame;
  int count = 0;
  double error_sum = 0;
  while (reader.Read(&frame)) {
    if (count < static_cast<int>(times.size()) && count % 5 == 0) {
      // Close to the frame rendered directly (lossy codec).
      const Image expected = RenderFrame(runner, camera, times[count]);
      double total = 0;
      int samples = 0;
      for (int y = 0; y < expected.height(); y += 2) {
        for (int x = 0; x < expected.width(); x += 2) {
          total += Difference(PixelAt(frame.image, x, y), PixelAt(expected, x, y));
          samples += 3;
        }
      }
      error_sum += total / samples;
    }
    ++count;
  }
  EXPECT_EQ(count, 15);
  EXPECT_LT(error_sum / 3, 6.0) << "mean absolute error per channel";
}

TEST(Render, RejectsBadArguments) {
  const test::TemporaryFolder folder;
  const RunnerModel runner(RunnerParams(), 1.0);
  const Camera camera(SmallCamera(), runner.params().height_m);
  EXPECT_THROW(RenderVideo(runner, camera, {}, folder.File("empty.mp4")), OptionError);
  RenderOptions bad;
  bad.marker_radius_m = 0;
  EXPECT_THROW(RenderFrame(runner, camera, 0.1, bad), OptionError);
  EXPECT_THROW(RenderFrame(runner, camera, std::nan(""), RenderOptions()), OptionError);
}

TEST(Render, ExtremeCamerasAndRunnersRender) {
  // Close cameras (parts of the treadmill behind the camera), mounting errors, small and tall
  // runners, no treadmill: no throw, right size, and something drawn at the pelvis.
  for (double height : {1.3, 2.1}) {
    RunnerParams params;
    params.height_m = height;
    const RunnerModel runner(params, 1.0);
    for (View view : {View::kSide, View::kRear, View::kFront}) {
      CameraParams camera_params = SmallCamera(view);
      camera_params.distance_m = 1.0;
      camera_params.runner_fraction = 1.0;
      camera_params.tilt_deg = 20;
      camera_params.roll_deg = -10;
      camera_params.pan_deg = 15;
      const Camera camera(camera_params, height);
      for (bool treadmill : {true, false}) {
        RenderOptions options;
        options.treadmill = treadmill;
        options.markers = true;
        const Image frame = RenderFrame(runner, camera, 0.3, options);
        EXPECT_EQ(frame.width(), 320);
        EXPECT_EQ(frame.height(), 480);
      }
    }
  }
}

}  // namespace
}  // namespace gaitlens::synth
