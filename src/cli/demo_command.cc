// gaitlens demo: runs the pieces of gaitlens that exist on a built-in example and says what it did.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>

#include "cli/commands.h"
#include "gaitlens/core/error.h"
#include "gaitlens/core/version.h"
#include "gaitlens/io/keypoint_files.h"
#include "gaitlens/io/video_reader.h"
#include "gaitlens/io/video_writer.h"

namespace gaitlens::cli {

namespace {

namespace fs = std::filesystem;

struct DemoArgs {
  std::string output_dir = "gaitlens_demo";
  std::string data_dir;
};

constexpr double kPi = 3.14159265358979323846;

// A two-second built-in clip: a grey scene with a disc bouncing at a known step rate, so that the
// video reader has a real file to decode (the synthetic runner replaces it once it exists).
std::string WriteExampleVideo(const fs::path& folder) {
  const std::string path = (folder / "example.mp4").string();
  const int width = 320, height = 240;
  VideoWriterOptions options;
  options.fps = 60.0;
  VideoWriter writer(path, width, height, options);
  for (int i = 0; i < 120; ++i) {
    Image frame(width, height, 3);
    const double t = i / options.fps;
    const double cx = 160 + 60 * std::sin(2 * kPi * 1.4 * t);
    const double cy = 150 - 40 * std::abs(std::sin(2 * kPi * 1.4 * t));
    for (int y = 0; y < height; ++y) {
      std::uint8_t* row = frame.row(y);
      for (int x = 0; x < width; ++x) {
        const bool inside = (x - cx) * (x - cx) + (y - cy) * (y - cy) < 20 * 20;
        const std::uint8_t value = inside ? 230 : (y > 200 ? 60 : 120);
        row[3 * x] = row[3 * x + 1] = row[3 * x + 2] = value;
      }
    }
    writer.Write(frame);
  }
  writer.Close();
  return path;
}

// Keypoints of a simple pendulum leg at 170 steps/min, in the canonical layout.
PoseSequence ExampleKeypoints() {
  const double fps = 60.0;
  PoseSequence poses(KeypointLayout::kCanonical, 240);
  poses.SetUniformTimestamps(fps);
  poses.image_width = 320;
  poses.image_height = 240;
  poses.source = "gaitlens demo";
  const double stride_hz = 170.0 / 60.0 / 2.0;
  for (int f = 0; f < poses.num_frames(); ++f) {
    const double t = poses.timestamps_s[f];
    for (int side = 0; side < 2; ++side) {
      const double phase = 2 * kPi * stride_hz * t + side * kPi;
      const double hip_x = 160, hip_y = 100;
      const double thigh = 0.5 * std::sin(phase);
      const double knee_x = hip_x + 50 * std::sin(thigh), knee_y = hip_y + 50 * std::cos(thigh);
      const double shank = thigh - 0.6 * (1 + std::cos(phase)) / 2;
      poses.at(f, side) = {hip_x, hip_y, 0.9};
      poses.at(f, 2 + side) = {knee_x, knee_y, 0.9};
      poses.at(f, 4 + side) = {knee_x + 48 * std::sin(shank), knee_y + 48 * std::cos(shank), 0.8};
    }
  }
  return poses;
}

int RunDemo(const DemoArgs& args) {
  std::printf("%s\n", BuildInfo());
  std::printf("This demo runs what gaitlens has today: video reading and keypoint files.\n"
              "Pose detection, the leg model, events and metrics are not built yet.\n\n");
  const fs::path folder(args.output_dir);
  fs::create_directories(folder);

  const std::string video = WriteExampleVideo(folder);
  std::vector<std::string> warnings;
  const VideoInfo info = ProbeVideo(video, /*count_frames=*/true, &warnings);
  std::printf("[1] wrote and probed a built-in clip: %s\n    %s\n", video.c_str(),
              info.BriefReport().c_str());

  const PoseSequence poses = ExampleKeypoints();
  const std::string csv = (folder / "example_keypoints.csv").string();
  WriteGaitlensCsv(poses, csv);
  const PoseSequence back = ReadGaitlensCsv(csv);
  std::printf("[2] wrote and read back gaitlens CSV %s: %d frames x %d keypoints at %.1f fps\n",
              csv.c_str(), back.num_frames(), back.num_keypoints(), back.EstimatedFps());

  if (!args.data_dir.empty()) {
    const fs::path clip = fs::path(args.data_dir) / "real" / "male_side" / "male_side.mp4";
    const fs::path pose_json = fs::path(args.data_dir) / "real" / "male_side" / "male_side.pose.json";
    if (fs::exists(clip)) {
      std::printf("[3] real clip %s\n    %s\n", clip.c_str(), ProbeVideo(clip.string()).BriefReport().c_str());
    }
    if (fs::exists(pose_json)) {
      const PoseSequence real = ReadPoseJson(pose_json.string());
      std::printf("[4] real keypoints %s: %d frames, %.1f fps, left ankle detected in %.1f %% of "
                  "frames\n",
                  pose_json.c_str(), real.num_frames(), real.EstimatedFps(),
                  100.0 * real.DetectedFraction({static_cast<int>(CanonicalKeypoint::kLeftAnkle)}));
    }
  }
  std::printf("\nDemo finished; files are in %s\n", folder.c_str());
  return kExitOk;
}

}  // namespace

CommandRunner AddDemoCommand(CLI::App* app) {
  auto args = std::make_shared<DemoArgs>();
  CLI::App* command = app->add_subcommand("demo", "Run gaitlens on its built-in example");
  command->add_option("-o,--output", args->output_dir, "Folder for the demo's files")
      ->capture_default_str();
  command->add_option("--data", args->data_dir,
                      "Also use the real clips in this folder (the project's shared/data)");
  return [args] { return RunDemo(*args); };
}

}  // namespace gaitlens::cli
