// gaitlens: treadmill running gait analysis from video. See `gaitlens --help`.
#include <cstdlib>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "cli/commands.h"
#include "gaitlens/core/error.h"
#include "gaitlens/core/version.h"

int main(int argc, char** argv) {
  // gaitlens reports decoding problems itself, with the file name; keep OpenCV's and FFmpeg's
  // own log lines off the terminal unless the user asked for them through these variables.
  setenv("OPENCV_LOG_LEVEL", "SILENT", /*overwrite=*/0);
  setenv("OPENCV_FFMPEG_LOGLEVEL", "-8", /*overwrite=*/0);  // AV_LOG_QUIET
  using namespace gaitlens::cli;  // NOLINT(google-build-using-namespace): one small table
  CLI::App app{"gaitlens: running gait analysis (cadence, overstride, knee valgus) from treadmill "
               "video"};
  app.set_version_flag("--version", std::string("gaitlens ") + gaitlens::Version(),
                       "Print the version and exit");
  app.require_subcommand(1);
  app.footer("Run 'gaitlens COMMAND --help' for a command's options.");

  // The subcommand table: name -> what runs it.
  const std::vector<std::pair<const char*, CommandRunner (*)(CLI::App*)>> table = {
      {"probe", AddProbeCommand}, {"keypoints", AddKeypointsCommand}, {"pose", AddPoseCommand},
      {"fit", AddFitCommand},     {"synth", AddSynthCommand},         {"models", AddModelsCommand},
      {"demo", AddDemoCommand},
  };
  std::vector<std::pair<CLI::App*, CommandRunner>> commands;
  for (const auto& [name, add] : table) {
    CommandRunner runner = add(&app);
    commands.emplace_back(app.get_subcommand(name), std::move(runner));
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  try {
    for (auto& [subcommand, runner] : commands) {
      if (subcommand->parsed()) return runner();
    }
  } catch (const gaitlens::OptionError& e) {
    std::cerr << "gaitlens: error: " << e.what() << "\n";
    return kExitUsage;
  } catch (const gaitlens::Error& e) {
    std::cerr << "gaitlens: error: " << e.what() << "\n";
    return kExitSomeInputsFailed;
  }
  return kExitUsage;
}
