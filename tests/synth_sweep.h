// The property-test sweep over synthetic clips (views x frame rates x noise levels) that every
// stage's tests reuse with TEST_P / INSTANTIATE_TEST_SUITE_P(..., ::testing::ValuesIn(SynthSweep())).
#ifndef GAITLENS_TESTS_SYNTH_SWEEP_H_
#define GAITLENS_TESTS_SYNTH_SWEEP_H_

#include <string>
#include <vector>

#include "gaitlens/synth/synthesizer.h"

namespace gaitlens::test {

struct SynthCase {
  View view = View::kSide;
  bool facing_right = false;
  double fps = 120;
  std::string noise = "clean";  // "clean", "realistic", "harsh"

  std::string Name() const;  // e.g. "side_left_120fps_realistic"
  // Options for a clip of this case (seconded runner and noise seeds from `seed`).
  synth::SynthOptions Options(double duration_s = 6.0, unsigned seed = 1) const;
};

// side-left, side-right, rear, front x 30/60/120/240 fps x clean/realistic/harsh.
std::vector<SynthCase> SynthSweep();

}  // namespace gaitlens::test

#endif  // GAITLENS_TESTS_SYNTH_SWEEP_H_
