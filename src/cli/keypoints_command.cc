// gaitlens keypoints FILE: read keypoints made by another tool, report what is in them, and
// optionally convert them to gaitlens CSV.
#include <cstdio>
#include <iostream>
#include <string>

#include "cli/commands.h"
#include "gaitlens/core/error.h"
#include "gaitlens/io/keypoint_files.h"

namespace gaitlens::cli {

namespace {

struct KeypointsArgs {
  std::string input;
  std::string format = "auto";
  double fps = 0.0;
  std::string openpose_layout = "auto";
  std::string to_layout;
  std::string output;
};

void PrintSummary(const PoseSequence& poses) {
  std::printf("%s: %d frames, %d keypoints (%s), %.3f fps, %.3f s, image %dx%d\n",
              poses.source.c_str(), poses.num_frames(), poses.num_keypoints(),
              ToString(poses.layout()), poses.EstimatedFps(),
              poses.empty() ? 0.0 : poses.timestamps_s.back(), poses.image_width,
              poses.image_height);
  std::printf("  %-16s %s\n", "keypoint", "detected");
  const KeypointLayoutInfo& info = poses.layout_info();
  for (int k = 0; k < poses.num_keypoints(); ++k) {
    std::printf("  %-16s %5.1f %%\n", info.keypoint_names[k].c_str(),
                100.0 * poses.DetectedFraction({k}));
  }
}

int RunKeypoints(const KeypointsArgs& args) {
  KeypointReadOptions options;
  options.fps = args.fps;
  options.format = KeypointFileFormatFromString(args.format);
  options.openpose_layout = args.openpose_layout == "auto"
                                ? KeypointLayout::kCanonical
                                : KeypointLayoutFromString(args.openpose_layout);
  options.Check();
  PoseSequence poses = ReadKeypoints(args.input, options);
  if (!args.to_layout.empty()) poses = ConvertLayout(poses, KeypointLayoutFromString(args.to_layout));
  PrintSummary(poses);
  if (!args.output.empty()) {
    WriteGaitlensCsv(poses, args.output);
    std::printf("wrote %s\n", args.output.c_str());
  }
  return kExitOk;
}

}  // namespace

CommandRunner AddKeypointsCommand(CLI::App* app) {
  auto args = std::make_shared<KeypointsArgs>();
  CLI::App* command = app->add_subcommand(
      "keypoints",
      "Read keypoints from OpenPose JSON folders, DeepLabCut CSV, pose JSON or gaitlens CSV; "
      "summarise and convert them");
  command->add_option("input", args->input, "Keypoint file or OpenPose folder")->required();
  command->add_option("--format", args->format,
                      "auto, gaitlens_csv, openpose_json, deeplabcut_csv, pose_json")
      ->capture_default_str();
  command->add_option("--fps", args->fps,
                      "Frame rate, for formats that store no time (OpenPose, DeepLabCut)");
  command->add_option("--openpose-layout", args->openpose_layout,
                      "auto, body25 or openpose_coco18")
      ->capture_default_str();
  command->add_option("--to-layout", args->to_layout,
                      "Convert to this layout: canonical, coco17, body25, halpe26, ...");
  command->add_option("-o,--output", args->output, "Write the keypoints as gaitlens CSV");
  return [args] { return RunKeypoints(*args); };
}

}  // namespace gaitlens::cli
