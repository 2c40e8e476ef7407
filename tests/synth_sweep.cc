#include "synth_sweep.h"

namespace gaitlens::test {

std::string SynthCase::Name() const {
  std::string name = ToString(view);
  if (view == View::kSide) name += facing_right ? "_right" : "_left";
  return name + "_" + std::to_string(static_cast<int>(fps)) + "fps_" + noise;
}

synth::SynthOptions SynthCase::Options(double duration_s, unsigned seed) const {
  synth::SynthOptions options;
  options.duration_s = duration_s;
  options.camera.view = view;
  options.camera.facing_right = facing_right;
  options.camera.fps = fps;
  if (view != View::kSide) {
    options.camera.width = 720;
    options.camera.height = 1280;
  }
  options.noise = synth::NoiseParams::FromName(noise);
  options.runner.seed = seed;
  options.noise_seed = seed + 1000;
  return options;
}

std::vector<SynthCase> SynthSweep() {
  std::vector<SynthCase> cases;
  const std::vector<std::pair<View, bool>> views = {
      {View::kSide, false}, {View::kSide, true}, {View::kRear, false}, {View::kFront, false}};
  for (const auto& [view, facing_right] : views) {
    for (double fps : {30.0, 60.0, 120.0, 240.0}) {
      for (const char* noise : {"clean", "realistic", "harsh"}) {
        cases.push_back({view, facing_right, fps, noise});
      }
    }
  }
  return cases;
}

}  // namespace gaitlens::test
