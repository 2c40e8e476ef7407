// The side-view leg model against the synthetic runner's exact answer.
#include "gaitlens/model/leg_model.h"

#include <array>
#include <cmath>
#include <iostream>

#include <gtest/gtest.h>

#include "gaitlens/core/error.h"
#include "gaitlens/io/keypoint_files.h"
#include "gaitlens/io/video_reader.h"
#include "gaitlens/pose/detector.h"
#include "gaitlens/synth/synthesizer.h"
#include "synth_sweep.h"
#include "test_util.h"

namespace gaitlens {
namespace {

constexpr double kPi = 3.14159265358979323846;
double Deg(double rad) { return rad * 180 / kPi; }

// Angles a perfect 2D measurement gives, from the clean projected keypoints.
struct Angles {
  double knee, hip, shank;
};
Angles TruthAngles(const PoseSequence& clean, int f, int side, int dir) {
  const Keypoint& hip = clean.at(f, side);
  const Keypoint& knee = clean.at(f, 2 + side);
  const Keypoint& ankle = clean.at(f, 4 + side);
  const double ux = hip.x - knee.x, uy = hip.y - knee.y, vx = ankle.x - knee.x, vy = ankle.y - knee.y;
  const double knee_flexion = 180 - Deg(std::atan2(std::abs(ux * vy - uy * vx), ux * vx + uy * vy));
  const double mid_hip_x = 0.5 * (clean.at(f, 0).x + clean.at(f, 1).x);
  const double mid_hip_y = 0.5 * (clean.at(f, 0).y + clean.at(f, 1).y);
  const double mid_sh_x = 0.5 * (clean.at(f, 12).x + clean.at(f, 13).x);
  const double mid_sh_y = 0.5 * (clean.at(f, 12).y + clean.at(f, 13).y);
  const double trunk_down = std::atan2(mid_hip_x - mid_sh_x, mid_hip_y - mid_sh_y);
  const double thigh = std::atan2(knee.x - hip.x, knee.y - hip.y);
  return {knee_flexion, Deg(dir * (thigh - trunk_down)),
          Deg(std::atan2(dir * (ankle.x - knee.x), ankle.y - knee.y))};
}

struct Scores {
  double knee_rmse = 0, hip_rmse = 0, shank_rmse = 0;
  double label_accuracy = 0;
  double gap_error_leg = 0;  // RMS error of filled far-leg points, in leg lengths
  int gaps = 0;
  double hip_position_leg = 0;  // RMS error of the model's hip keypoints, in leg lengths
  // Knee-angle uncertainty: fraction of (frame, leg) whose error is within 2 sd, and the mean sd
  // of the occluded far leg against the mean sd where the far leg was seen.
  double within_2sd = 0;
  double sd_occluded = 0, sd_visible = 0;
};

Scores Score(const synth::SynthResult& r, const FittedMotion& m) {
  Scores s;
  const int n = r.clean_poses.num_frames();
  const int dir = m.direction;
  double knee = 0, hip = 0, shank = 0, gap = 0, hip_position = 0;
  int count = 0, correct = 0, within = 0, occluded_count = 0, visible_count = 0;
  const double leg = std::hypot(r.clean_poses.at(0, 0).x - r.clean_poses.at(0, 2).x,
                                r.clean_poses.at(0, 0).y - r.clean_poses.at(0, 2).y) +
                     std::hypot(r.clean_poses.at(0, 2).x - r.clean_poses.at(0, 4).x,
                                r.clean_poses.at(0, 2).y - r.clean_poses.at(0, 4).y);
  for (int f = 0; f < n; ++f) {
    correct += m.relabelled[f] == static_cast<bool>(r.noise_log.swapped[f]) ? 1 : 0;
    for (int side = 0; side < 2; ++side) {
      const Angles t = TruthAngles(r.clean_poses, f, side, dir);
      knee += std::pow(m.knee_flexion_deg[f][side] - t.knee, 2);
      const double sd = m.knee_flexion_sd_deg[f][side];
      within += std::abs(m.knee_flexion_deg[f][side] - t.knee) <= 2 * sd ? 1 : 0;
      if (side != m.near_leg) {
        (r.noise_log.occluded[f] ? s.sd_occluded : s.sd_visible) += sd;
        ++(r.noise_log.occluded[f] ? occluded_count : visible_count);
      }
      hip += std::pow(m.hip_flexion_deg[f][side] - t.hip, 2);
      shank += std::pow(m.shank_angle_deg[f][side] - t.shank, 2);
      ++count;
    }
    for (int k : {0, 1}) {
      hip_position += std::pow(m.keypoints.at(f, k).x - r.clean_poses.at(f, k).x, 2) +
                      std::pow(m.keypoints.at(f, k).y - r.clean_poses.at(f, k).y, 2);
    }
    if (r.noise_log.occluded[f]) {
      const int far = 1 - m.near_leg;
      for (int k : {2 + far, 4 + far}) {
        gap += std::pow(m.keypoints.at(f, k).x - r.clean_poses.at(f, k).x, 2) +
               std::pow(m.keypoints.at(f, k).y - r.clean_poses.at(f, k).y, 2);
        ++s.gaps;
      }
    }
  }
  s.knee_rmse = std::sqrt(knee / count);
  s.within_2sd = static_cast<double>(within) / count;
  s.sd_occluded /= std::max(1, occluded_count);
  s.sd_visible /= std::max(1, visible_count);
  s.hip_rmse = std::sqrt(hip / count);
  s.shank_rmse = std::sqrt(shank / count);
  s.label_accuracy = static_cast<double>(correct) / n;
  s.gap_error_leg = s.gaps > 0 ? std::sqrt(gap / s.gaps) / leg : 0;
  s.hip_position_leg = std::sqrt(hip_position / (2 * n)) / leg;
  return s;
}

class LegModelSide : public ::testing::TestWithParam<test::SynthCase> {};

TEST_P(LegModelSide, AnglesLabelsAndGapsAgainstTruth) {
  const test::SynthCase& c = GetParam();
  const synth::SynthResult r = synth::Generate(c.Options(8.0, 3));
  const FittedMotion m = FitLegModel(r.poses);
  const Scores s = Score(r, m);
  std::cout << c.Name() << ": knee " << s.knee_rmse << " hip " << s.hip_rmse << " shank "
            << s.shank_rmse << " deg RMSE; labels " << 100 * s.label_accuracy << " %; gaps "
            << 100 * s.gap_error_leg << " % leg (" << s.gaps << "); hips "
            << 100 * s.hip_position_leg << " % leg; knee within 2 sd " << 100 * s.within_2sd
            << " %, far-knee sd occluded " << s.sd_occluded << " / seen " << s.sd_visible
            << " deg; " << m.summary.BriefReport() << "\n";
  EXPECT_TRUE(m.summary.usable);
  EXPECT_EQ(m.direction, c.facing_right ? 1 : -1);
  // The 2-degree target (knee, hip and shank under the harsh noise) holds at every
  // frame rate and noise (harsh 30 fps: knee 1.87-1.88 degrees on these clips; docs/leg_model.md).
  // Regression floors at today's values elsewhere: they must only ever be tightened.
  double angle_floor = 2.0;
  if (c.noise == "clean") angle_floor = 0.5;
  if (c.noise == "harsh" && c.fps >= 120) angle_floor = 1.45;
  EXPECT_LE(s.knee_rmse, angle_floor);
  EXPECT_LE(s.hip_rmse, angle_floor);
  EXPECT_LE(s.shank_rmse, angle_floor);
  EXPECT_GE(s.label_accuracy, 0.995);
  // Filled far-leg gaps within 3 % of the leg (the target). The closest, 30 fps harsh
  // facing left, was 3.01 % until swaps while the far leg is hidden were undone (2.90 %): its
  // hidden steps are the 24 frames of 12 footfalls, one of which lands 5 % of leg further
  // ahead than the template.
  EXPECT_LE(s.gap_error_leg, 0.03);
  // The hip joints (two, split vertically by the pelvis's obliquity, anchored to their stride
  // template): 0.12-0.20 % of leg on clean keypoints; regression floors.
  double hip_floor = 0.0025;
  if (c.noise == "realistic") hip_floor = c.fps >= 60 ? 0.0065 : 0.008;
  if (c.noise == "harsh") hip_floor = c.fps >= 120 ? 0.0085 : c.fps >= 60 ? 0.0105 : 0.012;
  EXPECT_LE(s.hip_position_leg, hip_floor);
  // The knee uncertainty is noise-driven: under noise most errors are within 2 sd (95 % would
  // be perfect calibration; measured 83-98 %), and the hidden far leg is never more certain than
  // the seen one (the gait-cycle prior informs a hidden leg as well). On clean keypoints the
  // error is the model's own bias, which no sd covers.
  if (c.noise != "clean") {
    EXPECT_GE(s.within_2sd, 0.8);
    EXPECT_GT(s.sd_occluded, s.sd_visible);
  }
}

std::vector<test::SynthCase> SideCases() {
  std::vector<test::SynthCase> cases;
  for (const test::SynthCase& c : test::SynthSweep()) {
    if (c.view == View::kSide) cases.push_back(c);
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Sweep, LegModelSide, ::testing::ValuesIn(SideCases()),
                         [](const auto& test_info) { return test_info.param.Name(); });

// Time of the knee-flexion peak within [t0, t1] by parabolic interpolation around the best frame.
double PeakTime(const std::vector<double>& times, const std::vector<double>& values, double t0, double t1) {
  int best = -1;
  for (std::size_t f = 1; f + 1 < times.size(); ++f) {
    if (times[f] < t0 || times[f] > t1) continue;
    if (best < 0 || values[f] > values[best]) best = static_cast<int>(f);
  }
  if (best < 1) return std::nan("");
  const double a = values[best - 1], b = values[best], c = values[best + 1];
  const double denominator = a - 2 * b + c;
  const double shift = denominator < 0 ? 0.5 * (a - c) / denominator : 0.0;
  return times[best] + shift * (times[best + 1] - times[best]);
}

// The mean over eight clips (4 runners x both facings, 10 s, about 230 stances): one clip's
// mean over its 28 stances scatters by a quarter of a frame (-0.30 to +0.57 frames at 120 fps),
// as much as the target, because a stance's flexion peak is broad.
TEST(LegModel, KneeFlexionPeakTimingIsUnbiased) {
  for (double fps : {60.0, 120.0}) {
    double sum = 0;
    int n = 0;
    for (unsigned seed : {3u, 5u, 7u, 9u}) {
      for (bool facing_right : {false, true}) {
        test::SynthCase c{View::kSide, facing_right, fps, "harsh"};
        const synth::SynthResult r = synth::Generate(c.Options(10.0, seed));
        const FittedMotion m = FitLegModel(r.poses);
        for (const synth::StepTruth& step : r.truth.steps) {
          const int side = step.side;
          std::vector<double> fitted, truth;
          for (int f = 0; f < r.clean_poses.num_frames(); ++f) {
            fitted.push_back(m.knee_flexion_deg[f][side]);
            truth.push_back(TruthAngles(r.clean_poses, f, side, m.direction).knee);
          }
          const double t_fit = PeakTime(r.clean_poses.timestamps_s, fitted, step.ic_s, step.to_s);
          const double t_true = PeakTime(r.clean_poses.timestamps_s, truth, step.ic_s, step.to_s);
          if (std::isnan(t_fit) || std::isnan(t_true)) continue;
          sum += t_fit - t_true;
          ++n;
        }
      }
    }
    ASSERT_GT(n, 200);
    const double bias_frames = sum / n * fps;
    std::cout << fps << " fps harsh: knee-flexion peak timing bias " << bias_frames
              << " frames over " << n << " stances\n";
    EXPECT_LT(std::abs(bias_frames), 0.25);
  }
}

// The gait-cycle prior reaches the first and last frames: their phase is carried a stride past
// the first and last stride events, with the template's uncertainty there. Without that, the
// first and last 12 frames (0.4 s) of these clips had knee RMSEs of 4.2 and 3.8 degrees against
// about 2 inside; now 2.3 and 2.5.
TEST(LegModel, TheClipsEndsAreAnchoredToo) {
  for (bool facing_right : {false, true}) {
    test::SynthCase c{View::kSide, facing_right, 30, "harsh"};
    const synth::SynthResult r = synth::Generate(c.Options(8.0, 3));
    const FittedMotion m = FitLegModel(r.poses);
    ASSERT_TRUE(m.cycle_prior_applied);
    const int n = r.clean_poses.num_frames(), ends = 12;
    double end_sum = 0, inside_sum = 0;
    int end_count = 0, inside_count = 0;
    for (int f = 0; f < n; ++f) {
      for (int side = 0; side < 2; ++side) {
        const double e =
            m.knee_flexion_deg[f][side] - TruthAngles(r.clean_poses, f, side, m.direction).knee;
        if (f < ends || f >= n - ends) {
          end_sum += e * e;
          ++end_count;
        } else {
          inside_sum += e * e;
          ++inside_count;
        }
      }
    }
    const double at_ends = std::sqrt(end_sum / end_count),
                 inside = std::sqrt(inside_sum / inside_count);
    std::cout << c.Name() << ": knee RMSE " << at_ends << " deg in the first and last " << ends
              << " frames, " << inside << " inside\n";
    EXPECT_LT(at_ends, 2.75) << c.Name();
    EXPECT_LT(at_ends, 1.45 * inside) << c.Name();
  }
}

// A runner three times as variable as typical (step and contact times vary by 6 %, the landing
// point by 6 % of leg length): its strides really differ, and the gait-cycle prior measures that
// on the first fit and allows it, instead of pulling every stride to the mean (which made the
// knee 0.9 degrees worse than no prior with a fixed 2-degree allowance). Measured: knee 1.70
// degrees with the prior, 1.77 without; shank 1.35 and 1.11 (1.31 and 1.15 before the prior
// reached the clip's ends and the first fit was made lighter).
TEST(LegModel, VariableRunnerIsNotPulledToItsMean) {
  test::SynthCase c{View::kSide, false, 120, "realistic"};
  synth::SynthOptions options = c.Options(8.0, 3);
  options.runner.variability_cv = 0.06;
  const synth::SynthResult r = synth::Generate(options);
  FitOptions off;
  off.cycle_prior_deg = 0;
  const Scores with_prior = Score(r, FitLegModel(r.poses));
  const Scores without = Score(r, FitLegModel(r.poses, off));
  std::cout << "variable runner, knee RMSE " << with_prior.knee_rmse << " deg with the prior, "
            << without.knee_rmse << " without\n";
  EXPECT_LE(with_prior.knee_rmse, without.knee_rmse + 0.1);
  EXPECT_LE(with_prior.shank_rmse, without.shank_rmse + 0.25);
}

// The far leg hidden behind the console for 5 frames of every stride, on a runner whose steps
// vary three times as much as typical: the near leg's template alone put the hidden foot where
// the near leg goes, and this runner's far foot reaches further or less far from stride to
// stride. Turned by what the far leg shows just before and after each hidden stretch, the
// filled points follow it.
TEST(LegModel, HiddenFarLegFollowsWhatItShowsAroundTheGap) {
  for (bool facing_right : {false, true}) {
    test::SynthCase c{View::kSide, facing_right, 120, "realistic"};
    synth::SynthOptions options = c.Options(8.0, 3);
    options.runner.variability_cv = 0.06;
    const synth::SynthResult r = synth::Generate(options);
    const Scores s = Score(r, FitLegModel(r.poses));
    std::cout << c.Name() << ", variable runner: filled far-leg points off by "
              << 100 * s.gap_error_leg << " % of leg (" << s.gaps << "), knee " << s.knee_rmse
              << " deg\n";
    ASSERT_GT(s.gaps, 50);
    // Measured 2.86 % facing left and 1.27 % facing right; 5.49 and 1.49 % before.
    EXPECT_LE(s.gap_error_leg, 0.035) << c.Name();
  }
}

// A detector that swaps the legs where they cross and keeps them swapped for a stride or two:
// continuity sees nothing at either end (both labellings continue equally well there), so the
// identity search also asks which labels repeat the stride pattern. Before it, one-stride swaps
// were undone in 26-33 % of their frames and two-stride swaps in 13-16 %.
TEST(LegModel, LongSwapsBetweenLegCrossingsAreUndone) {
  test::SynthCase c{View::kSide, false, 60, "realistic"};
  const synth::SynthResult r = synth::Generate(c.Options(8.0, 3));
  PoseSequence poses = ConvertLayout(r.poses, KeypointLayout::kCanonical);
  const PoseSequence& clean = r.clean_poses;
  // Frames where the knees pass each other.
  std::vector<int> crossings;
  for (int f = 1; f < clean.num_frames(); ++f) {
    const double before = clean.at(f - 1, 2).x - clean.at(f - 1, 3).x,
                 now = clean.at(f, 2).x - clean.at(f, 3).x;
    if ((before < 0) != (now < 0)) crossings.push_back(f);
  }
  ASSERT_GE(crossings.size(), 14u);
  const std::array<std::array<int, 2>, 2> swaps = {{{crossings[2], crossings[4]},     // one stride
                                                    {crossings[8], crossings[12]}}};  // two strides
  std::vector<bool> swapped(poses.num_frames(), false);
  for (const auto& [from, to] : swaps) {
    for (int f = from; f < to; ++f) {
      for (int k = 0; k < 12; k += 2) std::swap(poses.at(f, k), poses.at(f, k + 1));
      swapped[f] = true;
    }
  }
  const FittedMotion m = FitLegModel(poses);
  int right_overall = 0;
  for (int f = 0; f < poses.num_frames(); ++f) {
    right_overall +=
        m.relabelled[f] == (swapped[f] != static_cast<bool>(r.noise_log.swapped[f])) ? 1 : 0;
  }
  std::array<double, 2> undone = {0, 0};
  for (int s = 0; s < 2; ++s) {
    for (int f = swaps[s][0]; f < swaps[s][1]; ++f) {
      undone[s] += m.relabelled[f] == !r.noise_log.swapped[f] ? 1 : 0;
    }
    undone[s] /= swaps[s][1] - swaps[s][0];
  }
  const Scores scores = Score(r, m);
  std::cout << "swaps between knee crossings: " << 100 * undone[0]
            << " % of a one-stride swap undone, " << 100 * undone[1]
            << " % of a two-stride swap; labels right in "
            << 100.0 * right_overall / poses.num_frames() << " % of frames; knee RMSE "
            << scores.knee_rmse << " deg\n";
  EXPECT_GE(undone[0], 0.95);
  EXPECT_GE(undone[1], 0.8);
  EXPECT_GE(static_cast<double>(right_overall) / poses.num_frames(), 0.97);
  EXPECT_LE(scores.knee_rmse, 2.0);
}

// A detector that swaps the labels while the treadmill's console hides the far leg: the near
// leg's knee, ankle and foot come labelled as the far leg's, and nothing else of that leg is
// seen. Continuity cannot tell (the far leg's track has no prediction there); the stride
// pattern can, from the near leg's point alone, as the hidden leg is hidden at the same phase
// of every stride. Before single-leg points voted, 9 of these 28 frames were undone, and under
// harsh noise 0.4-0.6 % of the frames at 120 and 240 fps were left swapped this way (labels
// 99.4 % right on two of eight runs; now at least 99.9 % on all).
TEST(LegModel, SwapsWhileTheFarLegIsHiddenAreUndone) {
  test::SynthCase c{View::kSide, false, 120, "realistic"};
  const synth::SynthResult r = synth::Generate(c.Options(8.0, 3));
  PoseSequence poses = ConvertLayout(r.poses, KeypointLayout::kCanonical);
  // Every other hidden stretch, whole: both ends of each swap are hidden frames.
  std::vector<bool> swapped(poses.num_frames(), false);
  int stretches = 0;
  for (int f = 0; f < poses.num_frames(); ++f) {
    if (r.noise_log.occluded[f] && (f == 0 || !r.noise_log.occluded[f - 1])) ++stretches;
    if (!r.noise_log.occluded[f] || stretches % 2 == 0) continue;
    for (int k = 0; k < 12; k += 2) std::swap(poses.at(f, k), poses.at(f, k + 1));
    swapped[f] = true;
  }
  ASSERT_GE(stretches, 8);
  const FittedMotion m = FitLegModel(poses);
  int count = 0, undone = 0, right_overall = 0;
  for (int f = 0; f < poses.num_frames(); ++f) {
    const bool wrong = swapped[f] != static_cast<bool>(r.noise_log.swapped[f]);
    right_overall += m.relabelled[f] == wrong ? 1 : 0;
    if (!swapped[f]) continue;
    ++count;
    undone += m.relabelled[f] == wrong ? 1 : 0;
  }
  ASSERT_GT(count, 20);
  std::cout << "swaps while the far leg is hidden: " << undone << " of " << count
            << " frames undone\n";
  EXPECT_GE(static_cast<double>(undone) / count, 0.95);
  EXPECT_GE(static_cast<double>(right_overall) / poses.num_frames(), 0.995);
}

// A detector's guesses on frames with nobody in them come at low confidence (MoveNet: 0.03-0.2 on
// an empty frame) but are still positions; fitted, they made a still, perfectly smooth "runner"
// (an empty video came out as a front view with a final cost of 4e-8). The fit refuses them, and
// a runner in view in only a few frames, with an AnalysisError that says so.
TEST(LegModel, KeypointsWithoutARunnerAreRefused) {
  const synth::SynthResult r = synth::Generate(test::SynthCase{}.Options(4.0, 3));
  PoseSequence guesses = ConvertLayout(r.poses, KeypointLayout::kCanonical);
  PoseSequence brief = guesses;
  const int n = guesses.num_frames();
  for (int f = 0; f < n; ++f) {
    for (int k = 0; k < guesses.num_keypoints(); ++k) {
      if (guesses.at(f, k).IsMissing()) continue;
      guesses.at(f, k).confidence = 0.15;
      if (f >= n / 5) brief.at(f, k).confidence = 0.15;  // the runner seen in the first fifth only
    }
  }
  for (const PoseSequence* poses : {&guesses, &brief}) {
    const std::string message = test::ErrorMessage<AnalysisError>([&] { FitLegModel(*poses); });
    EXPECT_NE(message.find("no runner"), std::string::npos) << message;
  }
  // Seen in the first third: a fit.
  PoseSequence third = ConvertLayout(r.poses, KeypointLayout::kCanonical);
  for (int f = n / 3; f < n; ++f) {
    for (int k = 0; k < third.num_keypoints(); ++k) {
      if (!third.at(f, k).IsMissing()) third.at(f, k).confidence = 0.15;
    }
  }
  EXPECT_TRUE(FitLegModel(third).summary.usable);
  // A detector whose confidences run lower: the check follows FitOptions.runner_confidence.
  FitOptions options;
  options.runner_confidence = 0.1;
  EXPECT_TRUE(FitLegModel(guesses, options).summary.usable);
  options.runner_confidence = 1.5;
  EXPECT_NE(test::ErrorMessage<OptionError>([&] {
              FitLegModel(guesses, options);
            }).find("runner_confidence"),
            std::string::npos);
}

// A far leg the detector never finds (knee, ankle, heel and toe missing in every frame): the
// gait-cycle prior still runs on the near leg and fills the far one from the near leg's
// pattern half a stride away. Measured: far knee RMSE 14.6 degrees against 39 without the
// prior (60 fps: 12 against 52); the near leg is unharmed.
TEST(LegModel, NeverSeenFarLegIsFilledFromTheNearLeg) {
  test::SynthCase c{View::kSide, false, 120, "realistic"};
  const synth::SynthResult r = synth::Generate(c.Options(8.0, 3));
  PoseSequence poses = ConvertLayout(r.poses, KeypointLayout::kCanonical);
  const int far = FitLegModel(poses).near_leg == 0 ? 1 : 0;
  for (int f = 0; f < poses.num_frames(); ++f) {
    for (int k : {2 + far, 4 + far, 6 + far, 8 + far}) poses.at(f, k) = Keypoint{};
  }
  FitOptions off;
  off.cycle_prior_deg = 0;
  const FittedMotion with_prior = FitLegModel(poses);
  const FittedMotion without = FitLegModel(poses, off);
  auto knee_rmse = [&](const FittedMotion& m, int side) {
    double sum = 0;
    for (int f = 0; f < poses.num_frames(); ++f) {
      sum += std::pow(m.knee_flexion_deg[f][side] - TruthAngles(r.clean_poses, f, side, m.direction).knee, 2);
    }
    return std::sqrt(sum / poses.num_frames());
  };
  std::cout << "never-seen far leg: knee RMSE " << knee_rmse(with_prior, far) << " deg with the prior, "
            << knee_rmse(without, far) << " without; near leg " << knee_rmse(with_prior, 1 - far) << "\n";
  EXPECT_TRUE(with_prior.cycle_prior_applied);
  EXPECT_LT(knee_rmse(with_prior, far), 20.0);
  EXPECT_LT(knee_rmse(with_prior, far), 0.5 * knee_rmse(without, far));
  EXPECT_LT(knee_rmse(with_prior, 1 - far), 1.5);
  EXPECT_TRUE(with_prior.filled[0][far]);
}

// Frames whose fitted left/right knees match RTMPose's labels better crossed than as named.
int KneesCrossedAgainst(const FittedMotion& m, const PoseSequence& reference) {
  int crossed = 0;
  for (int f = 0; f < reference.num_frames(); ++f) {
    auto d = [&](int a, int b) {
      return std::hypot(m.keypoints.at(f, a).x - reference.at(f, b).x, m.keypoints.at(f, a).y - reference.at(f, b).y);
    };
    crossed += d(2, 3) + d(3, 2) < d(2, 2) + d(3, 3) ? 1 : 0;
  }
  return crossed;
}

// The real clip: RTMPose's keypoints and our MoveNet Lightning keypoints both keep the labels
// RTMPose gives (which are right on this clip). Continuity alone used to flip long stretches
// where the legs cross (118 of 360 frames with Lightning); the per-second price of exchanged
// labels stops that.
TEST(LegModel, RealClipKeepsTheLegLabels) {
  GAITLENS_REQUIRE_SHARED_DATA();
  const std::string folder = test::SharedDataDir() + "/real/male_side/";
  const PoseSequence rtmpose = ConvertLayout(ReadPoseJson(folder + "male_side.pose.json"), KeypointLayout::kCanonical);
  const FittedMotion own = FitLegModel(rtmpose);
  int relabelled = 0;
  for (bool r : own.relabelled) relabelled += r ? 1 : 0;
  std::cout << "male_side, RTMPose keypoints: " << relabelled << " frames relabelled, thigh "
            << own.lengths.thigh_px << " px, shank " << own.lengths.shank_px << " px, knees crossed in "
            << KneesCrossedAgainst(own, rtmpose) << " frames\n";
  EXPECT_LE(relabelled, 2);
  EXPECT_LE(KneesCrossedAgainst(own, rtmpose), 2);
  // A slightly oblique side camera (hips 36 px = 0.11 leg apart) is still a side view.
  EXPECT_EQ(DetectView(rtmpose), View::kSide);
  EXPECT_EQ(own.view, View::kSide);
  EXPECT_NEAR(own.lengths.thigh_px, 167.7, 5.0);  // RTMPose's own thigh is about 168 px
  EXPECT_NEAR(own.lengths.far_leg_scale, 0.94, 0.03);

  auto detector = CreateMoveNetDetector();
  VideoReader reader(folder + "male_side.mp4");
  const PoseSequence lightning = ExtractPoses(&reader, detector.get());
  const FittedMotion ours = FitLegModel(lightning);
  relabelled = 0;
  for (bool r : ours.relabelled) relabelled += r ? 1 : 0;
  const int crossed = KneesCrossedAgainst(ours, rtmpose);
  std::cout << "male_side, MoveNet Lightning keypoints: " << relabelled
            << " frames relabelled, knees crossed against RTMPose in " << crossed << " of "
            << rtmpose.num_frames() << " frames\n";
  EXPECT_EQ(ours.view, View::kSide);
  EXPECT_LE(relabelled, 18);  // measured 6
  EXPECT_LE(crossed, 18);     // measured 8-9 (2.5 %)
}

// Keypoints without feet or ears (male_side.pose.json's RTMPose points as COCO-17, a synthetic
// runner with its heels, toes and ears taken out): the facing comes from the knees, which bend
// backwards. Before, such clips were all taken as facing image-right, and male_side (facing left)
// was fitted facing the wrong way: residual median 31 px, not usable.
TEST(LegModel, FacingWithoutFeetOrEarsComesFromTheKnees) {
  for (bool facing_right : {false, true}) {
    test::SynthCase c{View::kSide, facing_right, 60, "realistic"};
    synth::SynthResult r = synth::Generate(c.Options(4.0, 3));
    for (int f = 0; f < r.poses.num_frames(); ++f) {
      for (CanonicalKeypoint k : {CanonicalKeypoint::kLeftHeel, CanonicalKeypoint::kRightHeel,
                                  CanonicalKeypoint::kLeftBigToe, CanonicalKeypoint::kRightBigToe,
                                  CanonicalKeypoint::kLeftEar, CanonicalKeypoint::kRightEar}) {
        r.poses.at(f, static_cast<int>(k)) = Keypoint{};
      }
    }
    const FittedMotion m = FitLegModel(r.poses);
    EXPECT_EQ(m.direction, facing_right ? 1 : -1) << c.Name();
    EXPECT_TRUE(m.summary.usable) << c.Name();
    // No feet seen: none reported.
    EXPECT_EQ(m.lengths.foot_px, 0.0);
    EXPECT_TRUE(m.keypoints.at(10, static_cast<int>(CanonicalKeypoint::kLeftHeel)).IsMissing());
    EXPECT_TRUE(std::isnan(m.foot_angle_deg[10][0]));
    int filled = 0;
    for (const auto& legs : m.filled) filled += legs[0] || legs[1] ? 1 : 0;
    EXPECT_LT(filled, r.poses.num_frames() / 2);  // only where knees or ankles were missing
  }
  GAITLENS_REQUIRE_SHARED_DATA();
  const PoseSequence coco =
      ConvertLayout(ReadPoseJson(test::SharedDataDir() + "/real/male_side/male_side.pose.json"),
                    KeypointLayout::kCoco17);
  const FittedMotion m = FitLegModel(coco);
  EXPECT_EQ(m.direction, -1);
  EXPECT_TRUE(m.summary.usable);
  EXPECT_NEAR(m.lengths.thigh_px, 167.7, 5.0);
}

// Rear/front scores against the truth: RMSE of hips, knees and ankles against the clean points in
// mean projected leg lengths, the FPPA at each stance's lowest pelvis against the camera truth
// (mean absolute error, degrees), and the fraction of frames whose relabelling matches the swaps.
// The FPPA's uncertainty over the stance frames (where the FPPA is reported, METRICS.md): the
// fraction of errors within 2 sd, against the FPPA of the clean points, and the median sd
// against the RMS error.
struct FrontalScores {
  double rmse_leg = 0, fppa_error = 0, labels_right = 0;
  double fppa_within_2sd = 0, fppa_median_sd = 0, fppa_stance_rmse = 0;
  // The pelvis obliquity's errors within 2 sd, all frames.
  double obliquity_within_2sd = 0;
};

// METRICS.md's FPPA of three points, the midline at x = midline_x: + valgus.
double Fppa(const Keypoint& hip, const Keypoint& knee, const Keypoint& ankle, double midline_x) {
  const double ux = knee.x - hip.x, uy = knee.y - hip.y, vx = ankle.x - knee.x,
               vy = ankle.y - knee.y;
  const double angle = Deg(std::atan2(std::abs(ux * vy - uy * vx), ux * vx + uy * vy));
  const double line_x = hip.x + (knee.y - hip.y) / (ankle.y - hip.y) * (ankle.x - hip.x);
  const double medial = midline_x > line_x ? 1.0 : -1.0;
  return (knee.x - line_x) * medial >= 0 ? angle : -angle;
}

FrontalScores ScoreFrontal(const synth::SynthResult& r, const FittedMotion& m, double fps) {
  const PoseSequence& clean = r.clean_poses;
  const int n = clean.num_frames();
  double sum_sq = 0, leg = 0;
  int count = 0, correct = 0;
  for (int f = 0; f < n; ++f) {
    correct += m.relabelled[f] == static_cast<bool>(r.noise_log.swapped[f]) ? 1 : 0;
    for (int k = 0; k < 6; ++k) {  // hips, knees, ankles
      sum_sq += std::pow(m.keypoints.at(f, k).x - clean.at(f, k).x, 2) +
                std::pow(m.keypoints.at(f, k).y - clean.at(f, k).y, 2);
      ++count;
    }
    for (int side = 0; side < 2; ++side) {
      leg += std::hypot(clean.at(f, side).x - clean.at(f, 2 + side).x, clean.at(f, side).y - clean.at(f, 2 + side).y) +
             std::hypot(clean.at(f, 2 + side).x - clean.at(f, 4 + side).x, clean.at(f, 2 + side).y - clean.at(f, 4 + side).y);
    }
  }
  leg /= 2 * n;  // mean projected leg length
  FrontalScores scores;
  scores.rmse_leg = std::sqrt(sum_sq / count) / leg;
  scores.labels_right = static_cast<double>(correct) / n;
  int stances = 0;
  for (const synth::StepTruth& step : r.truth.steps) {
    const int f = static_cast<int>(std::lround(step.lowest_pelvis_s * fps));
    if (f >= n) continue;
    scores.fppa_error += std::abs(m.fppa_deg[f][step.side] - step.fppa_midstance_camera_deg);
    ++stances;
  }
  scores.fppa_error /= std::max(1, stances);
  std::vector<double> sds;
  double sum_sq_fppa = 0;
  for (int f = 0; f < n; ++f) {
    const double midline = 0.5 * (clean.at(f, 0).x + clean.at(f, 1).x);
    for (int side = 0; side < 2; ++side) {
      if (!r.truth.in_stance[f][side]) continue;
      const double error = m.fppa_deg[f][side] - Fppa(clean.at(f, side), clean.at(f, 2 + side),
                                                      clean.at(f, 4 + side), midline);
      const double sd = m.fppa_sd_deg[f][side];
      scores.fppa_within_2sd += std::abs(error) <= 2 * sd ? 1 : 0;  // false for a NaN sd
      sum_sq_fppa += error * error;
      sds.push_back(sd);
    }
  }
  for (int f = 0; f < n; ++f) {
    const double truth = Deg(std::atan2(clean.at(f, 1).y - clean.at(f, 0).y,
                                        std::abs(clean.at(f, 1).x - clean.at(f, 0).x)));
    scores.obliquity_within_2sd +=
        std::abs(m.pelvis_obliquity_deg[f] - truth) <= 2 * m.pelvis_obliquity_sd_deg[f] ? 1 : 0;
  }
  scores.obliquity_within_2sd /= std::max(1, n);
  if (!sds.empty()) {
    scores.fppa_within_2sd /= static_cast<double>(sds.size());
    scores.fppa_stance_rmse = std::sqrt(sum_sq_fppa / static_cast<double>(sds.size()));
    std::nth_element(sds.begin(), sds.begin() + sds.size() / 2, sds.end());
    scores.fppa_median_sd = sds[sds.size() / 2];
  }
  return scores;
}

class LegModelFrontal : public ::testing::TestWithParam<test::SynthCase> {};

TEST_P(LegModelFrontal, PositionsLabelsAndValgusAgainstTruth) {
  const test::SynthCase& c = GetParam();
  const synth::SynthResult r = synth::Generate(c.Options(8.0, 3));
  const FittedMotion m = FitLegModel(r.poses);
  ASSERT_EQ(m.view, c.view);  // detected from the keypoints
  const FrontalScores scores = ScoreFrontal(r, m, c.fps);
  std::cout << c.Name() << ": hip/knee/ankle RMSE " << 100 * scores.rmse_leg << " % leg; labels "
            << 100.0 * scores.labels_right << " %; FPPA at midstance off by " << scores.fppa_error
            << " deg on average; in stance FPPA RMSE " << scores.fppa_stance_rmse << " deg, "
            << 100 * scores.fppa_within_2sd << " % within 2 sd (median sd " << scores.fppa_median_sd
            << "); pelvis obliquity " << 100 * scores.obliquity_within_2sd << " % within 2 sd; "
            << m.summary.BriefReport() << "\n";
  EXPECT_TRUE(m.summary.usable);
  EXPECT_TRUE(m.cycle_prior_applied);
  // The target is 1 % of leg length: met under realistic noise at every frame rate
  // (0.84-0.86 % at 30 fps). Harsh noise (1 % of body height is 2.5 % of this 254 px leg per
  // coordinate) leaves 0.86-0.90 % at 240 fps, 1.01-1.07 % at 120 fps and 1.67-1.71 % at 30 fps,
  // where even the exact template and phase leave 1.3 % (docs/leg_model.md). Regression floors
  // just above today's values.
  double floor = 0.005;
  if (c.noise == "realistic") floor = c.fps >= 60 ? 0.0078 : 0.0092;
  if (c.noise == "harsh") {
    floor = c.fps >= 240 ? 0.0095 : c.fps >= 120 ? 0.0115 : c.fps >= 60 ? 0.015 : 0.019;
  }
  EXPECT_LE(scores.rmse_leg, floor);
  EXPECT_GE(scores.labels_right, 0.995);
  EXPECT_LE(scores.fppa_error, c.noise == "clean" ? 0.6 : c.noise == "realistic" ? 1.0 : 2.0);
  // The FPPA's uncertainty in stance: measured 85-99 % of the errors within 2 sd under noise
  // (95 % would be perfect calibration), and an sd of the size of the errors (median sd 0.8-1.3
  // times the RMS error). On clean points the sd covers the model's own small mismatch (errors
  // 0.11-0.16 degrees, sd 0.3-0.8).
  EXPECT_GE(scores.fppa_within_2sd, c.noise == "clean" ? 0.99 : 0.8);
  // Measured 79-98 % on 8 runs per cell under noise.
  EXPECT_GE(scores.obliquity_within_2sd, c.noise == "clean" ? 0.95 : 0.75);
  if (c.noise == "clean") {
    EXPECT_LE(scores.fppa_median_sd, 1.5);
  } else {
    EXPECT_LE(scores.fppa_median_sd, 2 * scores.fppa_stance_rmse);
    EXPECT_GE(scores.fppa_median_sd, 0.5 * scores.fppa_stance_rmse);
  }
}

// The vertical allowance is cross-validated per clip: a runner three times as variable as
// typical is not pulled to a mean stride it does not run (with the default allowance the
// positions came out twice as far off as with no prior: 1.51 % of leg against 0.79 %), while a
// typical runner keeps the prior's gain. The fixed sideways allowance does smooth some of this
// runner's step-to-step valgus away: its FPPA error is 1.21 degrees with the prior against 0.83
// without on this clip (8 runs: 1.24 against 1.02; at 30 fps and under harsh noise the prior
// gains: 1.54 against 2.03, 1.60 against 2.56).
TEST(LegModel, VariableRunnerRearIsNotPulledToItsMean) {
  for (double cv : {0.02, 0.06}) {
    test::SynthCase c{View::kRear, false, 120, "realistic"};
    synth::SynthOptions options = c.Options(8.0, 3);
    options.runner.variability_cv = cv;
    const synth::SynthResult r = synth::Generate(options);
    FitOptions off;
    off.cycle_prior_deg = 0;
    const FrontalScores with_prior = ScoreFrontal(r, FitLegModel(r.poses), c.fps);
    const FrontalScores without = ScoreFrontal(r, FitLegModel(r.poses, off), c.fps);
    std::cout << "rear, variability " << cv << ": position RMSE " << 100 * with_prior.rmse_leg
              << " % leg with the prior, " << 100 * without.rmse_leg << " % without; FPPA error "
              << with_prior.fppa_error << " against " << without.fppa_error << " deg\n";
    EXPECT_LE(with_prior.rmse_leg, without.rmse_leg * (cv > 0.05 ? 1.0 : 0.9)) << cv;
    EXPECT_LE(with_prior.fppa_error, without.fppa_error * (cv > 0.05 ? 1.5 : 0.9)) << cv;
  }
}

std::vector<test::SynthCase> FrontalCases() {
  std::vector<test::SynthCase> cases;
  for (const test::SynthCase& c : test::SynthSweep()) {
    if (c.view != View::kSide) cases.push_back(c);
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Sweep, LegModelFrontal, ::testing::ValuesIn(FrontalCases()),
                         [](const auto& test_info) { return test_info.param.Name(); });

TEST(LegModel, RejectsTooLittleData) {
  PoseSequence empty(KeypointLayout::kCoco17, 5);
  empty.SetUniformTimestamps(30);
  EXPECT_THROW(FitLegModel(empty), AnalysisError);
  PoseSequence nobody(KeypointLayout::kCoco17, 50);
  nobody.SetUniformTimestamps(30);
  EXPECT_THROW(FitLegModel(nobody), AnalysisError);
  FitOptions options;
  options.smoothness = -1;
  EXPECT_THROW(options.Check(), OptionError);
  // Time must run forwards: the smoothness and the stride templates are built on it.
  synth::SynthResult r =
      synth::Generate(test::SynthCase{View::kRear, false, 30, "clean"}.Options(4.0, 3));
  r.poses.timestamps_s[40] = r.poses.timestamps_s[39];
  EXPECT_THROW(FitLegModel(r.poses), FormatError);
}

}  // namespace
}  // namespace gaitlens
