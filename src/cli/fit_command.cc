// gaitlens fit INPUT... -o FOLDER: the leg model on keypoint files or videos (keypoints found
// with MoveNet first), one motion CSV and one summary JSON per input. A batch goes on past a bad
// file and resumes where it stopped.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "gaitlens/core/error.h"
#include "gaitlens/io/keypoint_files.h"
#include "gaitlens/io/video_reader.h"
#include "gaitlens/model/leg_model.h"
#include "gaitlens/pose/detector.h"
#include "gaitlens/report/motion_files.h"

namespace gaitlens::cli {

namespace {

struct FitArgs {
  std::vector<std::string> inputs;
  std::string output = ".";
  std::string format = "auto";
  double fps = 0.0;
  std::string view = "auto";
  FitOptions fit;
  bool no_swaps = false;
  bool force = false;
  MoveNetOptions movenet;  // for videos
};

// Whether the input is a video (by its extension): keypoints are found in it first.
bool IsVideo(const std::string& input) {
  std::string extension = std::filesystem::path(input).extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* video : {".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm"}) {
    if (extension == video) return true;
  }
  return false;
}

// "walk.poses.csv" -> "walk", "clip.pose.json" -> "clip", an OpenPose folder -> its name.
std::string Stem(const std::string& input) {
  std::filesystem::path path(input);
  if (!path.has_filename()) path = path.parent_path();  // "folder/"
  std::string stem = path.stem().string();
  for (const std::string suffix : {".poses", ".pose"}) {
    if (stem.size() > suffix.size() &&
        stem.compare(stem.size() - suffix.size(), suffix.size(), suffix) == 0) {
      stem.resize(stem.size() - suffix.size());
      break;
    }
  }
  return stem;
}

int RunFit(FitArgs args) {
  args.fit.view = args.view == "auto" ? View::kAuto : ViewFromString(args.view);
  args.fit.resolve_swaps = !args.no_swaps;
  args.fit.Check();
  KeypointReadOptions read;
  read.fps = args.fps;
  read.format = KeypointFileFormatFromString(args.format);
  read.Check();
  GAITLENS_CHECK_INPUT(
      !std::filesystem::exists(args.output) || std::filesystem::is_directory(args.output),
      OptionError, "-o must name a folder, and ", args.output, " is a file");
  // Two inputs with one stem would overwrite each other's results.
  std::vector<std::string> stems;
  for (const std::string& input : args.inputs) {
    const std::string stem = Stem(input);
    for (std::size_t i = 0; i < stems.size(); ++i) {
      GAITLENS_CHECK_INPUT(stems[i] != stem, OptionError, args.inputs[i], " and ", input,
                           " would both be written as ", stem,
                           ".motion.csv; fit them into separate folders");
    }
    stems.push_back(stem);
  }
  const std::filesystem::path folder(args.output);
  std::unique_ptr<PoseDetector> detector;  // made at the first video
  int failures = 0, skipped = 0;
  for (std::size_t i = 0; i < args.inputs.size(); ++i) {
    const std::string& input = args.inputs[i];
    const std::string csv = (folder / (stems[i] + ".motion.csv")).string();
    const std::string json = (folder / (stems[i] + ".motion.json")).string();
    // The summary is written last, so its presence means the input was done (both files are
    // written atomically: neither can be half written).
    if (!args.force && std::filesystem::exists(json) && std::filesystem::exists(csv)) {
      ++skipped;
      std::printf("%s: done before -> %s (--force to fit again)\n", input.c_str(), json.c_str());
      continue;
    }
    try {
      PoseSequence poses;
      if (IsVideo(input)) {
        if (!detector) detector = CreateMoveNetDetector(args.movenet);
        VideoReader reader(input);
        ExtractSummary summary;
        poses = ExtractPoses(&reader, detector.get(), {}, &summary);
        const std::string keypoints = (folder / (stems[i] + ".poses.csv")).string();
        WriteGaitlensCsv(poses, keypoints);
        std::printf("%s: %s -> %s\n", input.c_str(), summary.BriefReport().c_str(),
                    keypoints.c_str());
        for (const std::string& warning : summary.warnings)
          std::printf("  warning: %s\n", warning.c_str());
      } else {
        poses = ReadKeypoints(input, read);
      }
      const FittedMotion motion = FitLegModel(poses, args.fit);
      WriteFittedMotionCsv(motion, csv);
      WriteFittedMotionSummary(motion, json, input);
      int relabelled = 0;
      for (bool r : motion.relabelled) relabelled += r ? 1 : 0;
      std::printf(
          "%s: %s view, %d frames, %d relabelled, thigh %.1f px, shank %.1f px%s; %s -> %s\n",
          input.c_str(), ToString(motion.view), poses.num_frames(), relabelled,
          motion.lengths.thigh_px, motion.lengths.shank_px,
          motion.cycle_prior_applied ? ", gait-cycle prior" : "",
          motion.summary.BriefReport().c_str(), csv.c_str());
      if (!motion.summary.usable) {
        std::printf("  warning: the solver did not converge to a usable fit (%s)\n",
                    motion.summary.termination.c_str());
      }
    } catch (const OptionError&) {
      throw;
    } catch (const Error& e) {
      ++failures;
      std::fprintf(stderr, "gaitlens fit: error: %s\n", e.what());
    }
  }
  if (args.inputs.size() > 1) {
    std::printf("%zu inputs: %zu fitted, %d skipped (done before), %d failed\n", args.inputs.size(),
                args.inputs.size() - skipped - failures, skipped, failures);
  }
  return failures == 0 ? kExitOk : kExitSomeInputsFailed;
}

}  // namespace

CommandRunner AddFitCommand(CLI::App* app) {
  auto args = std::make_shared<FitArgs>();
  CLI::App* c = app->add_subcommand(
      "fit",
      "Fit the 2D leg model to keypoints or videos: swaps resolved, gaps filled, angles per frame");
  c->add_option("inputs", args->inputs,
                "Keypoint files (gaitlens CSV from 'gaitlens pose', pose JSON, DeepLabCut CSV), "
                "OpenPose JSON folders, or videos (.mp4, .mov, .m4v, .avi, .mkv, .webm: keypoints "
                "found with --model first and kept as NAME.poses.csv)")
      ->required();
  c->add_option("-o,--output", args->output,
                "Folder for NAME.motion.csv (per frame and leg) and NAME.motion.json (summary)")
      ->capture_default_str();
  c->add_option("--format", args->format,
                "auto, gaitlens_csv, openpose_json, deeplabcut_csv, pose_json")
      ->capture_default_str();
  c->add_option("--fps", args->fps,
                "Frame rate, for formats that store no time (OpenPose, DeepLabCut)");
  c->add_option("--view", args->view, "auto, side, rear or front")->capture_default_str();
  c->add_option("--smoothness", args->fit.smoothness,
                "Weight of the second-derivative prior, (0, 1000]")
      ->capture_default_str();
  c->add_option("--cycle-prior-deg", args->fit.cycle_prior_deg,
                "Gait-cycle prior: allowed stride-to-stride deviation, degrees (0 = off)")
      ->capture_default_str();
  c->add_option("--min-confidence", args->fit.min_confidence,
                "Ignore keypoints below this confidence")
      ->capture_default_str();
  c->add_option("--model", args->movenet.model,
                "Videos: movenet-lightning, movenet-thunder or a MoveNet .onnx file")
      ->capture_default_str();
  c->add_option("--runner-confidence", args->fit.runner_confidence,
                "Refuse clips where under a quarter of frames show a leg at this confidence "
                "(0 = no check)")
      ->capture_default_str();
  c->add_flag("--no-swaps", args->no_swaps, "Keep the detector's left/right labels as they are");
  c->add_flag("--force", args->force, "Fit inputs whose results are already in the folder");
  return [args] { return RunFit(*args); };
}

}  // namespace gaitlens::cli
