// The gait-cycle prior's pieces (src/model/cycle_prior.h) on signals with a known answer.
#include "model/cycle_prior.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <iostream>
#include <random>
#include <vector>

#include <gtest/gtest.h>

namespace gaitlens::internal {
namespace {

constexpr double kPi = 3.14159265358979323846;

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
  // A slow sway (a runner standing, a drifting detector) correlates highly at every short lag
  // but has no peak at a stride period.
  std::vector<double> sway_times, sway;
  for (int f = 0; f < 60 * 30; ++f) {
    sway_times.push_back(f / 30.0);
    sway.push_back(std::sin(2 * kPi * sway_times.back() / 8.0));
  }
  EXPECT_TRUE(StrideEvents(sway_times, sway).empty());
}

TEST(CyclePrior, StrideEventsIgnoreABriefCrossingAndBack) {
  // A sine of period 0.7 s with a two-frame dip through the mean at the top of one swing: a
  // noisy stretch of a fit. It adds a down and an up crossing 33 ms apart, no half stride.
  const double fps = 60;
  std::vector<double> times, signal;
  for (int f = 0; f < 8 * 60; ++f) {
    times.push_back(f / fps);
    signal.push_back(0.5 * std::sin(2 * kPi * (times.back() - 0.1) / 0.7));
  }
  // The top of the stride starting at 0.1 + 3 x 0.7 s is at 2.375 s: frames 142 and 143.
  signal[142] = signal[143] = -0.4;
  const std::vector<double> events = StrideEvents(times, signal);
  ASSERT_GE(events.size(), 20u);
  for (std::size_t k = 0; k < events.size(); ++k) {
    EXPECT_NEAR(events[k], 0.1 + 0.35 * static_cast<double>(k), 2e-3) << k;
  }
}

// A runner-like clip: each stride has a "stance" from footfall to toe-off and a "swing" to the
// next footfall, of independently varying durations (+- 4 %), and signals that are exact
// functions of that two-part phase (as the synthetic runner's knee flexion is).
struct TwoPartStrides {
  std::vector<double> times, phase, events;  // phase in [0, 2): stance [0, 1), swing [1, 2)
  TwoPartStrides(double fps, double seconds, unsigned seed = 4) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> jitter(-0.04, 0.04);
    double t = -0.3;
    while (t < seconds + 1) {
      events.push_back(t);
      t += 0.25 * (1 + jitter(rng));  // stance
      events.push_back(t);
      t += 0.45 * (1 + jitter(rng));  // swing
    }
    for (int f = 0; f < static_cast<int>(seconds * fps); ++f) {
      const double time = f / fps;
      const auto it = std::upper_bound(events.begin(), events.end(), time);
      const int j = static_cast<int>(it - events.begin()) - 1;
      times.push_back(time);
      phase.push_back((j % 2) + (time - events[j]) / (events[j + 1] - events[j]));
    }
  }
  // A knee-flexion-like curve of the phase: a stance bump and a tall, sharp swing peak (deg).
  static double Knee(double phase) {
    const double stance = phase < 1 ? 20 * std::sin(kPi * phase) : 0;
    const double swing = phase >= 1 ? 90 * std::pow(std::sin(kPi * (phase - 1)), 3) : 0;
    return 15 + stance + swing;
  }
  // Knee() at every frame, exact and with 3 degrees of Gaussian noise (always the same noise).
  void KneeValues(std::vector<double>* clean, std::vector<double>* noisy) const {
    std::mt19937 rng(2);
    std::normal_distribution<double> noise(0, 3.0);
    for (double p : phase) {
      clean->push_back(Knee(p));
      noisy->push_back(clean->back() + noise(rng));
    }
  }
};

TEST(CyclePrior, PhasesFollowTheEventsAndSkipIrregularHalfStrides) {
  std::vector<double> times;
  for (int f = 0; f < 16; ++f) times.push_back(0.1 * f);
  // Half strides of 0.2 s, except one of 0.4 s (more than 20 % off the median of its kind).
  const std::vector<double> events = {0.0, 0.2, 0.4, 0.6, 0.8, 1.2, 1.4, 1.6};
  const FramePhases p = PhasesFromEvents(times, events);
  EXPECT_EQ(p.num_strides, 4);
  EXPECT_EQ(p.stride[0], 0);
  EXPECT_NEAR(p.phase[0], 0.0, 1e-9);
  EXPECT_NEAR(p.phase[1], 0.5, 1e-9);
  EXPECT_EQ(p.stride[3], 0);
  EXPECT_NEAR(p.phase[3], 1.5, 1e-9);
  EXPECT_EQ(p.stride[5], 1);
  EXPECT_NEAR(p.phase[5], 0.5, 1e-9);
  for (int f = 8; f < 12; ++f) EXPECT_EQ(p.stride[f], -1) << f;  // the 0.4 s half stride
  EXPECT_EQ(p.stride[13], 2);
  EXPECT_NEAR(p.phase[13], 1.5, 1e-9);
  EXPECT_EQ(p.stride[15], 3);
  EXPECT_NEAR(p.phase[15], 0.5, 1e-9);
}

TEST(CyclePrior, TemplateResolvesTheCurveBetweenFramesAndAveragesNoise) {
  for (double fps : {30.0, 120.0}) {
    const TwoPartStrides w(fps, 8);
    std::vector<double> clean, noisy;
    w.KneeValues(&clean, &noisy);
    const std::vector<double> on_clean = PhaseTemplate(w.times, clean, w.events, 6);
    const std::vector<double> on_noisy = PhaseTemplate(w.times, noisy, w.events, 6);
    double clean_error = 0, noisy_error = 0;
    int count = 0;
    for (std::size_t f = 0; f < clean.size(); ++f) {
      if (std::isnan(on_clean[f])) continue;
      clean_error = std::max(clean_error, std::abs(on_clean[f] - clean[f]));
      noisy_error += std::pow(on_noisy[f] - clean[f], 2);
      ++count;
    }
    ASSERT_GT(count, static_cast<int>(0.9 * clean.size())) << fps;
    // A 90-degree swing peak sampled every 33 ms: interpolating the neighbouring strides'
    // frames linearly misses it by about a degree; the phase-folded spline by a few tenths at most.
    EXPECT_LT(clean_error, 0.4) << fps;
    // The other strides' frames average the noise (3 degrees per frame).
    EXPECT_LT(std::sqrt(noisy_error / count), fps < 60 ? 1.5 : 0.8) << fps;
  }
}

// The roughness penalty trades the template's detail for noise: at 30 fps under 3 degrees of
// noise the side view's 10 x (leg_model.cc) is nearer the exact curve than the default (1.03
// against 1.24 degrees RMS), and on clean values still resolves the swing peak to 0.47 degrees
// at worst; a penalty far too large flattens that peak.
TEST(CyclePrior, TemplateRoughnessTradesDetailForNoise) {
  const TwoPartStrides w(30, 8);
  std::vector<double> clean, noisy;
  w.KneeValues(&clean, &noisy);
  // RMS error against the exact curve, and the largest.
  const auto errors = [&](const std::vector<double>& values, double roughness) {
    const std::vector<double> templ =
        PhaseTemplate(w.times, values, w.events, 6, 32, nullptr, roughness);
    double sum = 0, worst = 0;
    int count = 0;
    for (std::size_t f = 0; f < clean.size(); ++f) {
      if (std::isnan(templ[f])) continue;
      sum += std::pow(templ[f] - clean[f], 2);
      worst = std::max(worst, std::abs(templ[f] - clean[f]));
      ++count;
    }
    EXPECT_GT(count, static_cast<int>(0.9 * clean.size()));
    return std::array<double, 2>{std::sqrt(sum / std::max(1, count)), worst};
  };
  const std::array<double, 2> noisy_default = errors(noisy, kTemplateRoughness);
  const std::array<double, 2> noisy_smoother = errors(noisy, 10 * kTemplateRoughness);
  const std::array<double, 2> clean_smoother = errors(clean, 10 * kTemplateRoughness);
  const std::array<double, 2> clean_flat = errors(clean, 1e3);
  std::cout << "30 fps template RMSE on noisy values: roughness 1e-3 " << noisy_default[0]
            << ", 1e-2 " << noisy_smoother[0] << " deg; worst on clean values: 1e-2 "
            << clean_smoother[1] << ", 1e3 " << clean_flat[1] << " deg\n";
  EXPECT_LE(noisy_smoother[0], noisy_default[0]);
  EXPECT_LT(clean_smoother[1], 0.6);
  EXPECT_GT(clean_flat[1], 5.0);
}

TEST(CyclePrior, RegistrationLinesUpJitteredEvents) {
  const double fps = 60;
  const TwoPartStrides w(fps, 12);
  std::vector<double> knee, other;
  for (double p : w.phase) {
    knee.push_back(TwoPartStrides::Knee(p));
    other.push_back(10 * std::cos(kPi * p));
  }
  // How well the other strides predict each frame (degrees RMS): what the gait-cycle prior
  // needs from the events.
  auto template_error = [&](const std::vector<double>& events) {
    const std::vector<double> templ = PhaseTemplate(w.times, knee, events, 6);
    double sum = 0;
    int count = 0;
    for (std::size_t f = 0; f < knee.size(); ++f) {
      if (std::isnan(templ[f])) continue;
      sum += std::pow(templ[f] - knee[f], 2);
      ++count;
    }
    return std::sqrt(sum / std::max(1, count));
  };
  // Start from the true events moved by 15 ms at random: the strides no longer line up.
  std::mt19937 rng(7);
  std::normal_distribution<double> jitter(0, 0.015);
  std::vector<double> start = w.events;
  for (double& e : start) e += jitter(rng);
  const std::vector<double> registered = RegisterEvents(w.times, {knee, other}, {1.0, 1.0}, start, 6);
  ASSERT_EQ(registered.size(), start.size());
  for (std::size_t k = 1; k < registered.size(); ++k) EXPECT_GT(registered[k], registered[k - 1]);
  const double exact = template_error(w.events), before = template_error(start),
               after = template_error(registered);
  std::cout << "template error with the true events " << exact << " deg, jittered " << before
            << ", registered " << after << "\n";
  EXPECT_LT(exact, 0.1);
  EXPECT_GT(before, 3.0);
  EXPECT_LT(after, 0.25 * before);
  // More iterations do not drift away.
  const double longer = template_error(RegisterEvents(w.times, {knee, other}, {1.0, 1.0}, start, 6, 12));
  EXPECT_LT(longer, 0.25 * before);
}

TEST(CyclePrior, StrideTrendKeepsTheDriftAndDropsTheStrides) {
  // A stride of 0.7 s with two harmonics on top of a slow drift; 30 fps with uneven frame
  // times, so a period is not a whole number of frames; two values missing.
  const double fps = 30, period = 0.7;
  std::vector<double> times, values, drift, events;
  for (int f = 0; f < 8 * 30; ++f) {
    const double t = f / fps + 0.004 * std::sin(f);  // slightly uneven frame times
    times.push_back(t);
    drift.push_back(3.0 * t + 2.0 * std::sin(2 * kPi * t / 6.0));
    values.push_back(drift.back() + 10 * std::sin(2 * kPi * t / period) +
                     4 * std::cos(4 * kPi * t / period));
  }
  values[50] = values[51] = std::nan("");
  for (double t = 0.1; t < 8; t += period / 2) events.push_back(t);
  const std::vector<double> trend = StrideTrend(times, values, events);
  ASSERT_EQ(trend.size(), values.size());
  double worst_inside = 0, worst_edge = 0;
  for (std::size_t f = 0; f < trend.size(); ++f) {
    const bool inside = times[f] > period / 2 && times[f] < times.back() - period / 2;
    (inside ? worst_inside : worst_edge) =
        std::max(inside ? worst_inside : worst_edge, std::abs(trend[f] - drift[f]));
  }
  // A whole period cancels the oscillation (amplitude 14) up to the linear interpolation
  // between frames and the two bridged frames; the drift's own curvature adds under 0.1. Near
  // the ends the window cannot be centred: the drift is carried on linearly from the first
  // (last) two whole periods there, off only by the slow sine's curvature. (Holding the end
  // window's mean instead was off by up to 1.75.)
  EXPECT_LT(worst_inside, 0.3);
  EXPECT_LT(worst_edge, 0.5);
  std::cout << "stride trend error: " << worst_inside << " inside, " << worst_edge
            << " at the ends\n";
  // Too few events to know the period: one value, the mean over the clip.
  const std::vector<double> flat = StrideTrend(times, values, {0.1, 0.45});
  EXPECT_EQ(flat.front(), flat.back());
  EXPECT_NEAR(flat.front(), 12.0, 1.0);  // the drift's mean: 3 x 4 s plus the sine's mean
  // Nothing finite: NaN, not a number made up.
  EXPECT_TRUE(
      std::isnan(StrideTrend(times, std::vector<double>(times.size(), std::nan("")), events)[0]));
}

// A pelvis drifting slowly on the belt, with a periodic bounce and jitter. A one-stride mean
// keeps part of the jitter (3 / sqrt(42 frames) here); three stride-long means in turn keep
// less, still cancel the bounce and keep the drift, and so the drifting template built on them
// follows the exact signal more closely.
TEST(CyclePrior, DriftingTemplateWithASmootherTrendKeepsLessNoise) {
  const double fps = 60, period = 0.7;
  std::mt19937_64 rng(7);
  std::normal_distribution<double> jitter(0.0, 3.0);
  std::vector<double> times, drift, exact, values, events;
  for (int f = 0; f < 12 * 60; ++f) {
    const double t = f / fps;
    times.push_back(t);
    drift.push_back(2.0 * t + 3.0 * std::sin(2 * kPi * t / 8.0));
    exact.push_back(drift.back() + 6 * std::sin(4 * kPi * t / period));
    values.push_back(exact.back() + jitter(rng));
  }
  for (double t = 0.05; t < 12; t += period / 2) events.push_back(t);
  const auto rmse = [](const std::vector<double>& estimate, const std::vector<double>& truth) {
    double sum = 0;
    int count = 0;
    for (std::size_t f = 0; f < estimate.size(); ++f) {
      if (std::isnan(estimate[f])) continue;
      sum += std::pow(estimate[f] - truth[f], 2);
      ++count;
    }
    EXPECT_GT(count, static_cast<int>(0.8 * estimate.size()));
    return std::sqrt(sum / count);
  };
  std::vector<double> trend = StrideTrend(times, values, events);
  const double trend_one = rmse(trend, drift);
  for (int pass = 1; pass < 3; ++pass) trend = StrideTrend(times, trend, events);
  const double trend_three = rmse(trend, drift);
  const double one = rmse(DriftingPhaseTemplate(times, values, events, 6, 32, 1), exact);
  const double three = rmse(DriftingPhaseTemplate(times, values, events, 6, 32, 3), exact);
  std::cout << "trend RMSE " << trend_one << " with one pass, " << trend_three
            << " with three; drifting template " << one << " and " << three << " (jitter 3)\n";
  EXPECT_LT(trend_one, 0.6);
  EXPECT_LT(trend_three, 0.85 * trend_one);  // 0.78 here (about 1 / sqrt(1.7))
  EXPECT_LT(three, one);
  EXPECT_LT(three, 1.0);  // a third of the jitter: the drift and the bounce are both kept
}

TEST(CyclePrior, AllowedDeviationIsTheRunnersOwnBeyondTheNoise) {
  std::mt19937 rng(9);
  std::normal_distribution<double> normal(0, 1);
  const int n = 4000;
  std::vector<double> templ(n, 0.0), noise_only(n), varied(n), noise_variance(n, 1.0);
  double stride_deviation = 0;
  for (int f = 0; f < n; ++f) {
    if (f % 20 == 0) stride_deviation = std::sqrt(8.0) * normal(rng);  // held for a "stride"
    noise_only[f] = normal(rng);                     // the fit's noise, variance 1
    varied[f] = noise_only[f] + stride_deviation;    // plus the runner's own, variance 8
  }
  // Noise alone: the floor.
  EXPECT_DOUBLE_EQ(AllowedDeviation(noise_only, templ, noise_variance, 0.5), 0.5);
  // A real deviation of sd sqrt(8), allowed twice over.
  EXPECT_NEAR(AllowedDeviation(varied, templ, noise_variance, 0.5), 2 * std::sqrt(8.0), 0.6);
  // A spread (9) less than twice the noise (6) says little: the floor.
  EXPECT_DOUBLE_EQ(AllowedDeviation(varied, templ, std::vector<double>(n, 6.0), 0.5), 0.5);
  // Too few frames, or none with a template.
  EXPECT_DOUBLE_EQ(AllowedDeviation({1, 2, 3}, {0, 0, 0}, {}, 0.5), 0.5);
  EXPECT_DOUBLE_EQ(AllowedDeviation(varied, std::vector<double>(n, std::nan("")), {}, 0.5), 0.5);
}

TEST(CyclePrior, JitterIsMeasuredAroundTheModelNotTheMotion) {
  // A point sweeping 300 px per stride at 30 fps (several px of curvature per frame) with 4 px
  // of white jitter; the model is the clean motion.
  const double fps = 30;
  std::mt19937 rng(3);
  std::normal_distribution<double> noise(0, 4.0);
  std::vector<std::array<std::array<double, 3>, 1>> observed, clean;
  std::vector<std::array<std::array<double, 2>, 1>> model;
  for (int f = 0; f < 300; ++f) {
    const double t = f / fps;
    const double x = 150 * std::sin(2 * kPi * t / 0.7), y = 40 * std::cos(4 * kPi * t / 0.7);
    model.push_back({{{x, y}}});
    clean.push_back({{{x, y, 1.0}}});
    observed.push_back({{{x + noise(rng), y + noise(rng), 1.0}}});
  }
  EXPECT_NEAR(KeypointJitterPx(observed, model, -1), 4.0, 0.6);
  EXPECT_DOUBLE_EQ(KeypointJitterPx(clean, model, -1), 0.5);  // the floor
  EXPECT_DOUBLE_EQ(KeypointJitterPx(std::vector<std::array<std::array<double, 3>, 1>>(5), model, -1), -1);
}

TEST(CyclePrior, PhasesAreCarriedAStridePastTheEnds) {
  std::vector<double> times;
  for (int f = 0; f < 42; ++f) times.push_back(0.05 * f);  // 0 to 2.05 s
  // Half strides of 0.3 s (even to odd) and 0.2 s (odd to even), from 0.42 s to 1.42 s.
  const std::vector<double> events = {0.42, 0.72, 0.92, 1.22, 1.42};
  const FramePhases inside = PhasesFromEvents(times, events);
  const FramePhases p = ExtendPhasesToEnds(times, events, inside, 0.05);
  EXPECT_DOUBLE_EQ(p.half_stride_s[0], 0.3);
  EXPECT_DOUBLE_EQ(p.half_stride_s[1], 0.2);
  for (int f = 0; f < 42; ++f) {
    const double t = times[f];
    if (t < 0.42) {  // back from the first event: an odd half stride (0.2 s), an even one before
      EXPECT_EQ(inside.stride[f], -1) << f;
      EXPECT_EQ(p.stride[f], 0) << f;
      const double expected = t >= 0.22 ? 1 + (t - 0.22) / 0.2 : (t + 0.08) / 0.3;
      EXPECT_NEAR(p.phase[f], expected, 1e-9) << f;
      EXPECT_NEAR(p.timing_sd_s[f], 0.05 * (0.42 - t), 1e-12) << f;
    } else if (t < 1.42) {  // inside: unchanged, certain
      EXPECT_EQ(p.stride[f], inside.stride[f]) << f;
      EXPECT_DOUBLE_EQ(p.phase[f], inside.phase[f]) << f;
      EXPECT_EQ(p.timing_sd_s[f], 0) << f;
    } else if (t < 1.92 - 1e-9) {  // after the last (even) event: an even half stride, an odd one
      EXPECT_EQ(p.stride[f], 1) << f;  // the last stride with frames (there is no third)
      const double expected = t < 1.72 ? (t - 1.42) / 0.3 : 1 + (t - 1.72) / 0.2;
      EXPECT_NEAR(p.phase[f], expected, 1e-9) << f;
      EXPECT_NEAR(p.timing_sd_s[f], 0.05 * (t - 1.42), 1e-12) << f;
    } else {  // more than a stride after it
      EXPECT_EQ(p.stride[f], -1) << f;
    }
  }
}

TEST(CyclePrior, HalfStrideSpreadIsTheRelativeVariationOfTheDurations) {
  std::mt19937 rng(3);
  std::normal_distribution<double> relative(0, 0.03);
  std::vector<double> events = {0}, regular = {0};
  for (int k = 0; k < 400; ++k) {
    const double median = k % 2 == 0 ? 0.3 : 0.4;
    events.push_back(events.back() + median * (1 + relative(rng)));
    regular.push_back(regular.back() + median);
  }
  EXPECT_NEAR(HalfStrideSpread(events), 0.03, 0.004);
  EXPECT_NEAR(HalfStrideSpread(regular), 0.0, 1e-9);
  EXPECT_EQ(HalfStrideSpread({0, 0.3, 0.7, 1.0}), 0.0);  // fewer than three of a kind
}

TEST(CyclePrior, TemplateSlopeIsItsDerivative) {
  const TwoPartStrides w(60, 8);
  std::vector<double> knee;
  for (double p : w.phase) knee.push_back(TwoPartStrides::Knee(p));
  const StrideTemplates templates(PhasesFromEvents(w.times, w.events), knee, 6);
  ASSERT_TRUE(templates.Has(4));
  for (double phase = 0.013; phase < 2; phase += 0.0371) {
    const double h = 1e-6;
    const double numeric =
        (templates.Evaluate(4, phase + h) - templates.Evaluate(4, phase - h)) / (2 * h);
    EXPECT_NEAR(templates.Slope(4, phase), numeric, 1e-5 * std::max(1.0, std::abs(numeric)))
        << phase;
  }
  // Across the wrap from phase 2 to 0.
  EXPECT_NEAR(templates.Slope(4, 1.9999999), templates.Slope(4, 0.0), 1e-3);
}

// Events that stop short of the clip's ends (as StrideEvents' do), on TwoPartStrides.
std::vector<double> EventsInside(const TwoPartStrides& w) {
  std::vector<double> events;
  for (double e : w.events) {
    if (e > w.times.front() && e < w.times.back()) events.push_back(e);
  }
  if (events.size() % 2 == 1) events.pop_back();  // as many of each kind; starts with an even one
  return events;
}

TEST(CyclePrior, RegistrationMovesTheFirstAndLastEventsToo) {
  const TwoPartStrides w(60, 10);
  std::vector<double> knee, other;
  for (double p : w.phase) {
    knee.push_back(TwoPartStrides::Knee(p));
    other.push_back(10 * std::cos(kPi * p));
  }
  std::vector<double> events = EventsInside(w);
  ASSERT_GE(events.size(), 20u);
  // Only the events' timing relative to each other is observable: move the first and the last
  // by 20 ms and leave the others.
  const std::vector<double> truth = events;
  events.front() += 0.02;
  events.back() -= 0.02;
  const std::vector<double> registered =
      RegisterEvents(w.times, {knee, other}, {1.0, 1.0}, events, 6);
  ASSERT_EQ(registered.size(), truth.size());
  const std::vector<double> unmoved = RegisterEvents(w.times, {knee, other}, {1.0, 1.0}, truth, 6);
  std::cout << "first event off by " << 1000 * (registered.front() - truth.front())
            << " ms (from the truth: " << 1000 * (unmoved.front() - truth.front()) << "), last by "
            << 1000 * (registered.back() - truth.back()) << " ("
            << 1000 * (unmoved.back() - truth.back()) << ")\n";
  // At least half of the way back. Not exactly: the half stride beyond an end event is taken to
  // last its median, while this clip's durations vary by up to 4 % (18 ms for a swing);
  // registered from the true events, the first moves 6 ms away, the last 3 ms. (Not
  // registered, as before, they stayed 20 ms off.)
  EXPECT_LT(std::abs(registered.front() - truth.front()), 0.010);
  EXPECT_LT(std::abs(registered.back() - truth.back()), 0.010);
  EXPECT_LT(std::abs(unmoved.front() - truth.front()), 0.010);
  EXPECT_LT(std::abs(unmoved.back() - truth.back()), 0.010);
  for (std::size_t k = 1; k < registered.size(); ++k) EXPECT_GT(registered[k], registered[k - 1]);
}

TEST(CyclePrior, TemplatesReachTheClipsEndsWithTheirUncertainty) {
  const TwoPartStrides w(30, 8);
  std::vector<double> knee;
  for (double p : w.phase) knee.push_back(TwoPartStrides::Knee(p));
  const std::vector<double> events = EventsInside(w);
  ASSERT_GE(events.size(), 16u);
  std::vector<double> timing;
  const std::vector<double> plain = PhaseTemplate(w.times, knee, events, 6);
  const std::vector<double> extended = PhaseTemplate(w.times, knee, events, 6, 32, &timing);
  ASSERT_EQ(timing.size(), knee.size());
  int carried = 0;
  for (std::size_t f = 0; f < knee.size(); ++f) {
    const double t = w.times[f];
    const bool inside = t >= events.front() && t < events.back();
    if (inside) {
      EXPECT_EQ(timing[f], 0) << f;
      if (!std::isnan(plain[f])) {
        EXPECT_DOUBLE_EQ(extended[f], plain[f]) << f;
      }
      continue;
    }
    EXPECT_TRUE(std::isnan(plain[f])) << f;
    if (std::isnan(extended[f])) continue;
    ++carried;
    // The durations vary by up to 4 % (2.3 % sd), so the carried phase is off by as much; the
    // template's error there stays within a few times its stated uncertainty.
    EXPECT_GT(timing[f] + 1e-12, 0) << f;
    EXPECT_LE(std::abs(extended[f] - knee[f]), 3 * timing[f] + 1.0) << f;
  }
  EXPECT_GE(carried, 8);  // both ends, 30 fps
}

}  // namespace
}  // namespace gaitlens::internal
