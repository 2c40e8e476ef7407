// gaitlens pose VIDEO -o poses.csv: keypoints from video with MoveNet.
#include <cstdio>
#include <filesystem>
#include <string>

#include "cli/commands.h"
#include "gaitlens/core/error.h"
#include "gaitlens/io/keypoint_files.h"
#include "gaitlens/io/video_reader.h"
#include "gaitlens/pose/detector.h"
#include "gaitlens/pose/marker_detector.h"
#include "gaitlens/pose/onnx_detector.h"
#include "gaitlens/report/overlay.h"

namespace gaitlens::cli {

namespace {

struct PoseArgs {
  std::vector<std::string> videos;
  std::string output;
  MoveNetOptions movenet;
  int max_frames = 0;
  bool no_tracking = false;
  std::string overlay;
  std::string engine = "auto";
};

int RunPose(PoseArgs args) {
  args.movenet.track_crop = !args.no_tracking;
  args.movenet.engine = InferenceEngineFromString(args.engine);
  GAITLENS_CHECK_INPUT(args.videos.size() == 1 || !args.output.empty(), OptionError,
                       "with several videos, -o must name a folder");
  GAITLENS_CHECK_INPUT(args.videos.size() == 1 || args.overlay.empty(), OptionError,
                       "--overlay takes one video");
  // --model: a MoveNet name or .onnx, "markers", or a model description JSON.
  std::unique_ptr<PoseDetector> detector;
  const std::string& model = args.movenet.model;
  if (model == "markers") {
    detector = CreateMarkerDetector();
  } else if (model.size() > 5 && model.compare(model.size() - 5, 5, ".json") == 0) {
    detector = CreateOnnxDetector(ReadOnnxModelDescription(model));
  } else {
    detector = CreateMoveNetDetector(args.movenet);
  }
  ExtractOptions extract;
  extract.max_frames = args.max_frames;
  extract.Check();
  int failures = 0;
  for (const std::string& video : args.videos) {
    try {
      VideoReader reader(video);
      ExtractSummary summary;
      const PoseSequence poses = ExtractPoses(&reader, detector.get(), extract, &summary);
      std::string out = args.output;
      if (args.videos.size() > 1 || out.empty()) {
        const std::string stem = std::filesystem::path(video).stem().string() + ".poses.csv";
        out = out.empty() ? stem : (std::filesystem::path(out) / stem).string();
      }
      WriteGaitlensCsv(poses, out);
      std::printf("%s: %s -> %s\n", video.c_str(), summary.BriefReport().c_str(), out.c_str());
      if (!args.overlay.empty()) {
        OverlayOptions overlay;
        overlay.max_frames = args.max_frames;  // the poses stop there too
        WritePoseOverlayVideo(video, poses, args.overlay, overlay);
        std::printf("wrote overlay %s\n", args.overlay.c_str());
      }
      for (const std::string& warning : summary.warnings) std::printf("  warning: %s\n", warning.c_str());
    } catch (const OptionError&) {
      throw;
    } catch (const Error& e) {
      ++failures;
      std::fprintf(stderr, "gaitlens pose: error: %s\n", e.what());
    }
  }
  return failures == 0 ? kExitOk : kExitSomeInputsFailed;
}

}  // namespace

CommandRunner AddPoseCommand(CLI::App* app) {
  auto args = std::make_shared<PoseArgs>();
  CLI::App* c = app->add_subcommand("pose", "Find the runner's keypoints in videos (MoveNet)");
  c->add_option("videos", args->videos, "Video files")->required();
  c->add_option("-o,--output", args->output,
                "Keypoints CSV (one video) or folder (several); default VIDEO.poses.csv");
  c->add_option("--model", args->movenet.model,
                "movenet-lightning, movenet-thunder, a MoveNet .onnx file, markers (coloured "
                "stickers), or a model description .json (docs/pose.md)")
      ->capture_default_str();
  c->add_option("--max-frames", args->max_frames, "Stop after this many frames (0 = all)");
  c->add_option("--overlay", args->overlay, "Also write the video with the skeleton drawn on it");
  c->add_option("--engine", args->engine,
                "MoveNet inference: auto (XNNPACK when it can run the model), xnnpack or opencv")
      ->capture_default_str();
  c->add_option("--threads", args->movenet.threads, "XNNPACK inference threads (0 = one per core)")
      ->capture_default_str();
  c->add_flag("--no-tracking", args->no_tracking,
              "Run on the whole frame instead of a crop around the runner");
  return [args] { return RunPose(*args); };
}

}  // namespace gaitlens::cli
