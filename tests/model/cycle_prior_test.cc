// The gait-cycle prior's pieces (src/model/cycle_prior.h) on signals with a known answer.
#include "model/cycle_prior.h"

#include <cmath>
#include <random>
#include <vector>

#include <gtest/gtest.h>

namespace gaitlens::internal {
namespace {

constexpr double kPi = 3.14159265358979323846;

// A stride-periodic signal whose strides last 0.7 s +- 3 %: phase(t) advances by 2 pi per stride.
struct Warped {
  std::vector<double> times, phase;
  explicit Warped(double fps, double seconds = 8) {
    std::mt19937 rng(4);
    std::uniform_real_distribution<double> jitter(-0.03, 0.03);
    double stride_start = 0, duration = 0.7 * (1 + jitter(rng));
    for (int f = 0; f < static_cast<int>(seconds * fps); ++f) {
      const double t = f / fps;
      while (t >= stride_start + duration) {
        stride_start += duration;
        duration = 0.7 * (1 + jitter(rng));
      }
      times.push_back(t);
      phase.push_back(2 * kPi * (t - stride_start) / duration);
    }
  }
};

TEST(CyclePrior, StrideEventsAreTheMeanCrossingsUpThenDown) {
  const double fps = 60;
  std::vector<double> times, signal;
  for (int f = 0; f < 8 * 60; ++f) {
    times.push_back(f / fps);
    signal.push_back(0.5 * std::sin(2 * kPi * (times.back() - 0.1) / 0.7));  // up at 0.1 + k 0.7
  }
  const std::vector<double> events = StrideEvents(times, signal);
  ASSERT_GE(events.size(), 20u);
  for (std::size_t k = 0; k < events.size(); ++k) {
    const double expected = 0.1 + 0.35 * static_cast<double>(k);  // up, down, up, ...
    EXPECT_NEAR(events[k], expected, 2e-3) << k;
  }
}

TEST(CyclePrior, NoEventsWithoutPeriodicity) {
  std::mt19937 rng(1);
  std::normal_distribution<double> noise(0, 1);
  std::vector<double> times, signal;
  for (int f = 0; f < 600; ++f) {
    times.push_back(f / 60.0);
    signal.push_back(noise(rng));
  }
  EXPECT_TRUE(StrideEvents(times, signal).empty());
  EXPECT_TRUE(StrideEvents({0, 1, 2}, {0, 1, 0}).empty());  // too short
}

TEST(CyclePrior, TemplateFollowsTimeWarpedStridesAndAveragesNoise) {
  const Warped w(120);
  std::mt19937 rng(2);
  std::normal_distribution<double> noise(0, 0.05);
  std::vector<double> clean, noisy, reference;
  for (double p : w.phase) {
    clean.push_back(std::sin(p) + 0.4 * std::sin(2 * p + 0.5));
    noisy.push_back(clean.back() + noise(rng));
    reference.push_back(std::sin(p));  // the thigh-like signal that gives the events
  }
  const std::vector<double> events = StrideEvents(w.times, reference);
  ASSERT_GE(events.size(), 16u);
  const std::vector<double> on_clean = CycleTemplate(w.times, clean, events);
  const std::vector<double> on_noisy = CycleTemplate(w.times, noisy, events);
  double clean_error = 0, noisy_error = 0, raw_error = 0;
  int count = 0;
  for (std::size_t f = 0; f < clean.size(); ++f) {
    if (std::isnan(on_clean[f])) continue;
    clean_error = std::max(clean_error, std::abs(on_clean[f] - clean[f]));
    noisy_error += std::pow(on_noisy[f] - clean[f], 2);
    raw_error += std::pow(noisy[f] - clean[f], 2);
    ++count;
  }
  ASSERT_GT(count, static_cast<int>(0.7 * clean.size()));
  EXPECT_LT(clean_error, 0.03);  // the half-stride warping follows the varying durations
  EXPECT_LT(std::sqrt(noisy_error / count), 0.6 * std::sqrt(raw_error / count));  // ~1/sqrt(4)
}

TEST(CyclePrior, AnglesOnDifferentBranchesAverageCorrectly) {
  const Warped w(60);
  std::vector<double> reference, sole;
  int stride = 0;
  for (std::size_t f = 0; f < w.phase.size(); ++f) {
    if (f > 0 && w.phase[f] < w.phase[f - 1]) ++stride;
    reference.push_back(std::sin(w.phase[f]));
    // About pi, every other stride on the branch 2 pi higher (jumps at stride starts).
    sole.push_back(kPi + 0.2 * std::sin(w.phase[f]) + (stride % 2) * 2 * kPi);
  }
  const std::vector<double> events = StrideEvents(w.times, reference);
  const std::vector<double> templ = CycleTemplate(w.times, sole, events, 2, 2 * kPi);
  int checked = 0;
  for (std::size_t f = 0; f < sole.size(); ++f) {
    // Away from the jumps, where interpolating between two frames would straddle one.
    const double phase = w.phase[f] / (2 * kPi);
    if (std::isnan(templ[f]) || phase < 0.1 || phase > 0.9) continue;
    EXPECT_NEAR(templ[f], sole[f], 0.05) << f;
    ++checked;
  }
  EXPECT_GT(checked, 200);
}

}  // namespace
}  // namespace gaitlens::internal
