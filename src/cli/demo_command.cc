// gaitlens demo: runs the pieces of gaitlens that exist on a built-in example and says what it did.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>

#include "cli/commands.h"
#include "gaitlens/core/error.h"
#include "gaitlens/core/version.h"
#include "gaitlens/io/keypoint_files.h"
#include "gaitlens/io/video_reader.h"
#include "gaitlens/model/leg_model.h"
#include "gaitlens/pose/detector.h"
#include "gaitlens/synth/render.h"
#include "gaitlens/synth/synthesizer.h"

namespace gaitlens::cli {

namespace {

namespace fs = std::filesystem;

struct DemoArgs {
  std::string output_dir = "gaitlens_demo";
  std::string data_dir;
};

int RunDemo(const DemoArgs& args) {
  std::printf("%s\n", BuildInfo());
  std::printf("This demo runs what gaitlens has today on its built-in synthetic runner: video,\n"
              "keypoints from video (MoveNet), and the leg model, each scored against the exact\n"
              "truth. Gait events, metrics and reports come next.\n\n");
  const fs::path folder(args.output_dir);
  fs::create_directories(folder);

  // [1] A synthetic treadmill runner with exact ground truth: keypoints, truth and video.
  synth::SynthOptions options;
  options.duration_s = 4.0;
  options.camera.fps = 60.0;
  options.camera.width = 360;
  options.camera.height = 640;
  options.runner.cadence_spm = 168.0;
  options.runner.seed = 7;
  options.noise_seed = 1007;
  const synth::SynthResult result = synth::Generate(options);
  const std::string truth_path = (folder / "synthetic_truth.json").string();
  const std::string csv = (folder / "synthetic_keypoints.csv").string();
  const std::string video = (folder / "synthetic_runner.mp4").string();
  synth::WriteGroundTruthJson(result.truth, truth_path, &result.noise_log);
  WriteGaitlensCsv(result.poses, csv);
  {
    const synth::RunnerModel runner(options.runner, options.duration_s);
    const synth::Camera camera(options.camera, options.runner.height_m);
    synth::RenderVideo(runner, camera, result.truth.frame_times_s, video);
  }
  const synth::StepTruth& step = result.truth.steps.front();
  std::printf("[1] synthetic runner: %.1f steps/min, %zu steps; first step: contact %.3f s, "
              "overstride %.1f %% leg, knee flexion at contact %.1f deg\n",
              result.truth.cadence_spm, result.truth.steps.size(), step.contact_time_s,
              100 * step.overstride_leg, step.knee_flexion_ic_deg);
  std::printf("    truth %s\n    keypoints %s\n", truth_path.c_str(), csv.c_str());

  // [2] Read the rendered clip back.
  std::vector<std::string> warnings;
  const VideoInfo info = ProbeVideo(video, /*count_frames=*/true, &warnings);
  std::printf("[2] rendered and probed %s\n    %s\n", video.c_str(), info.BriefReport().c_str());

  // [3] Keypoints from the rendered video with MoveNet, scored against the exact keypoints.
  PoseSequence detected;
  try {
    auto detector = CreateMoveNetDetector();
    VideoReader reader(video);
    ExtractSummary summary;
    detected = ExtractPoses(&reader, detector.get(), {}, &summary);
    const PoseSequence canonical = ConvertLayout(detected, KeypointLayout::kCanonical);
    std::vector<double> errors;
    for (int f = 0; f < canonical.num_frames(); ++f) {
      for (int k = 0; k < 6; ++k) {  // hips, knees, ankles
        errors.push_back(std::hypot(canonical.at(f, k).x - result.clean_poses.at(f, k).x,
                                    canonical.at(f, k).y - result.clean_poses.at(f, k).y));
      }
    }
    std::nth_element(errors.begin(), errors.begin() + errors.size() / 2, errors.end());
    std::printf("[3] MoveNet Lightning on the rendered clip: %s; median error over hips, knees and "
                "ankles %.1f px (runner about %d px tall)\n",
                summary.BriefReport().c_str(), errors[errors.size() / 2],
                static_cast<int>(options.camera.runner_fraction * options.camera.height));
  } catch (const InputError& e) {
    std::printf("[3] skipped keypoints from video: %s\n", e.what());
  }

  // [4] The leg model on the detected keypoints (or the noisy synthetic ones without a model).
  const PoseSequence& to_fit = detected.empty() ? result.poses : detected;
  const FittedMotion motion = FitLegModel(to_fit);
  double error_sum = 0;
  int stances = 0;
  for (const synth::StepTruth& s : result.truth.steps) {
    const int f = static_cast<int>(std::lround(s.midstance_s * options.camera.fps));
    if (f >= motion.keypoints.num_frames() || std::isnan(s.knee_flexion_midstance_camera_deg)) continue;
    error_sum += std::abs(motion.knee_flexion_deg[f][s.side] - s.knee_flexion_midstance_camera_deg);
    ++stances;
  }
  std::printf("[4] leg model: %s\n    thigh %.0f px, shank %.0f px, %d frames relabelled; knee "
              "flexion at midstance off the truth by %.1f deg on average over %d stances\n",
              motion.summary.BriefReport().c_str(), motion.lengths.thigh_px,
              motion.lengths.shank_px,
              static_cast<int>(std::count(motion.relabelled.begin(), motion.relabelled.end(), true)),
              stances > 0 ? error_sum / stances : 0.0, stances);

  if (!args.data_dir.empty()) {
    const fs::path clip = fs::path(args.data_dir) / "real" / "male_side" / "male_side.mp4";
    const fs::path pose_json = fs::path(args.data_dir) / "real" / "male_side" / "male_side.pose.json";
    if (fs::exists(clip)) {
      std::printf("[5] real clip %s\n    %s\n", clip.c_str(),
                  ProbeVideo(clip.string()).BriefReport().c_str());
    }
    if (fs::exists(pose_json)) {
      const PoseSequence real = ReadPoseJson(pose_json.string());
      std::printf("[6] real keypoints %s: %d frames, %.1f fps, left ankle detected in %.1f %% of "
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
