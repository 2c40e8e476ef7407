// Leg model fit speed: a minute of synthetic running at 120 fps (7200 frames) with realistic
// keypoint noise, fitted as one sequence. Prints the frame count beside the solve time, and
// beside decode-only frames/s of a real clip measured in the same run (before and after the
// fits), since this machine's speed varies from run to run: the ratio is what compares.
//   build/benchmarks/model_benchmark [seconds] [fps] [view: side (default), rear or front]
// The clip is $GAITLENS_BENCH_VIDEO, else ../shared/data/real/male_side/male_side.mp4; without
// either the decode reference is skipped.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "gaitlens/core/error.h"
#include "gaitlens/core/view.h"
#include "gaitlens/io/video_reader.h"
#include "gaitlens/model/leg_model.h"
#include "gaitlens/synth/synthesizer.h"

namespace {

double Seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string ReferenceVideo() {
  namespace fs = std::filesystem;
  if (const char* env = std::getenv("GAITLENS_BENCH_VIDEO"); env != nullptr && fs::exists(env)) return env;
  const fs::path shared = fs::path(GAITLENS_SOURCE_DIR).parent_path() / "shared/data/real/male_side/male_side.mp4";
  return fs::exists(shared) ? shared.string() : std::string();
}

// Decode-only frames/s of the reference clip (0 without one).
double DecodeFramesPerSecond(const std::string& path) {
  if (path.empty()) return 0;
  const auto start = std::chrono::steady_clock::now();
  gaitlens::VideoReader reader(path);
  gaitlens::VideoFrame frame;
  int frames = 0;
  while (reader.Read(&frame)) ++frames;
  return frames / Seconds(start);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    gaitlens::synth::SynthOptions options;
    options.duration_s = argc > 1 ? std::atof(argv[1]) : 60.0;
    options.camera.fps = argc > 2 ? std::atof(argv[2]) : 120.0;
    options.camera.view = argc > 3 ? gaitlens::ViewFromString(argv[3]) : gaitlens::View::kSide;
    options.noise = gaitlens::synth::NoiseParams::Realistic();
    const gaitlens::synth::SynthResult clip = gaitlens::synth::Generate(options);
    const std::string video = ReferenceVideo();
    const double decode_before = DecodeFramesPerSecond(video);
    if (decode_before > 0) std::printf("decode-only %s: %.0f frames/s\n", video.c_str(), decode_before);
    double best_with_prior = 0;
    for (double cycle_prior : {gaitlens::FitOptions().cycle_prior_deg, 0.0}) {
      gaitlens::FitOptions fit;
      fit.cycle_prior_deg = cycle_prior;
      for (int run = 0; run < 3; ++run) {
        const auto start = std::chrono::steady_clock::now();
        const gaitlens::FittedMotion motion = gaitlens::FitLegModel(clip.poses, fit);
        const double seconds = Seconds(start);
        const double rate = clip.poses.num_frames() / seconds;
        if (cycle_prior > 0 && rate > best_with_prior) best_with_prior = rate;
        std::printf(
            "%d frames (%s view) fitted in %.3f s (%.0f frames/s; cycle prior %s; solver %s)\n",
            clip.poses.num_frames(), gaitlens::ToString(motion.view), seconds, rate,
            cycle_prior > 0 ? "on" : "off", motion.summary.BriefReport().c_str());
      }
    }
    const double decode_after = DecodeFramesPerSecond(video);
    if (decode_after > 0) {
      const double decode = 0.5 * (decode_before + decode_after);
      std::printf("decode-only again: %.0f frames/s; best fit with the cycle prior = %.1f x decode-only "
                  "frames/s\n", decode_after, best_with_prior / decode);
    }
  } catch (const gaitlens::Error& e) {
    std::fprintf(stderr, "model_benchmark: %s\n", e.what());
    return 1;
  }
  return 0;
}
