// Leg model fit speed: a minute of synthetic running at 120 fps (7200 frames) with realistic
// keypoint noise, fitted as one sequence. Prints the frame count beside the solve time.
//   build/benchmarks/model_benchmark [seconds] [fps]
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "gaitlens/core/error.h"
#include "gaitlens/model/leg_model.h"
#include "gaitlens/synth/synthesizer.h"

int main(int argc, char** argv) {
  try {
    gaitlens::synth::SynthOptions options;
    options.duration_s = argc > 1 ? std::atof(argv[1]) : 60.0;
    options.camera.fps = argc > 2 ? std::atof(argv[2]) : 120.0;
    options.noise = gaitlens::synth::NoiseParams::Realistic();
    const gaitlens::synth::SynthResult clip = gaitlens::synth::Generate(options);
    for (double cycle_prior : {gaitlens::FitOptions().cycle_prior_deg, 0.0}) {
      gaitlens::FitOptions fit;
      fit.cycle_prior_deg = cycle_prior;
      for (int run = 0; run < 3; ++run) {
        const auto start = std::chrono::steady_clock::now();
        const gaitlens::FittedMotion motion = gaitlens::FitLegModel(clip.poses, fit);
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::printf("%d frames fitted in %.3f s (%.0f frames/s; cycle prior %s; solver %s)\n",
                    clip.poses.num_frames(), seconds, clip.poses.num_frames() / seconds,
                    cycle_prior > 0 ? "on" : "off", motion.summary.BriefReport().c_str());
      }
    }
  } catch (const gaitlens::Error& e) {
    std::fprintf(stderr, "model_benchmark: %s\n", e.what());
    return 1;
  }
  return 0;
}
