// gaitlens probe VIDEO...: what each video contains, one report per file; a bad file is reported
// and the rest go on.
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "gaitlens/core/error.h"
#include "gaitlens/io/video_reader.h"

namespace gaitlens::cli {

namespace {

struct ProbeArgs {
  std::vector<std::string> videos;
  bool count = false;
  bool json = false;
};

nlohmann::json InfoToJson(const VideoInfo& info, const std::vector<std::string>& warnings) {
  return {{"path", info.path},
          {"width", info.width},
          {"height", info.height},
          {"orientation", info.is_portrait() ? "portrait" : "landscape"},
          {"rotation_deg", info.rotation_deg},
          {"fps", info.fps},
          {"frame_count", info.frame_count},
          {"duration_s", info.duration_s},
          {"codec", info.codec},
          {"file_size_bytes", info.file_size_bytes},
          {"warnings", warnings}};
}

int RunProbe(const ProbeArgs& args) {
  int failures = 0;
  nlohmann::json all = nlohmann::json::array();
  for (const std::string& path : args.videos) {
    try {
      std::vector<std::string> warnings;
      const VideoInfo info = ProbeVideo(path, args.count, &warnings);
      if (args.json) {
        all.push_back(InfoToJson(info, warnings));
      } else {
        std::cout << path << ": " << info.BriefReport() << "\n";
        for (const std::string& warning : warnings) std::cout << "  warning: " << warning << "\n";
      }
    } catch (const Error& e) {
      ++failures;
      if (args.json) all.push_back({{"path", path}, {"error", e.what()}});
      std::cerr << "gaitlens probe: error: " << e.what() << "\n";
    }
  }
  if (args.json) std::cout << all.dump(2) << "\n";
  return failures == 0 ? kExitOk : kExitSomeInputsFailed;
}

}  // namespace

CommandRunner AddProbeCommand(CLI::App* app) {
  auto args = std::make_shared<ProbeArgs>();
  CLI::App* probe = app->add_subcommand(
      "probe", "Report size, orientation, frame rate, frame count and codec of videos");
  probe->add_option("videos", args->videos, "Video files")->required();
  probe->add_flag("--count", args->count,
                  "Decode every frame to count frames exactly and detect truncated files");
  probe->add_flag("--json", args->json, "Print JSON instead of one line per video");
  return [args] { return RunProbe(*args); };
}

}  // namespace gaitlens::cli
