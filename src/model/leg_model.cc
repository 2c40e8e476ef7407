#include "gaitlens/model/leg_model.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>

#include <ceres/ceres.h>

#include "gaitlens/core/error.h"
#include "model/banded_solver.h"
#include "model/cycle_prior.h"
#include "model/fit_util.h"
#include "model/frontal_fit.h"
#include "model/leg_identity.h"
#include "model/side_view_costs.h"

namespace gaitlens {

namespace {

constexpr double kPi = 3.14159265358979323846;
double Deg(double rad) { return rad * 180.0 / kPi; }
// The gait-cycle prior: refits, and strides on each side whose frames inform a template.
constexpr int kCycleRounds = 2;
constexpr int kCycleNeighbours = 6;
// The side view's stride templates (angles, hips, and those that register the events) are 10 x
// smoother over the phase than the default: at 30 fps a stride's frames sample its swing's
// 700 degrees/s too sparsely to resolve the default's detail, which then follows the noise. On
// the synthetic sweep (16 runs each) the knee went 1.969 -> 1.940 degrees at 30 fps harsh,
// 1.654 -> 1.636 at 30 fps realistic, 1.351 -> 1.347 at 120 fps harsh; 3 x this is the same,
// 10 x slightly worse. The rear/front view keeps the default (there 10 x took the 120 fps
// harsh FPPA from 0.81 to 0.94 degrees).
constexpr double kSideTemplateRoughness = 1e-2;
// The hip joint's allowed stride-to-stride deviation, leg lengths per radian of
// cycle_prior_deg (1 % of leg at the default 2 degrees), and how much smoother than the angles
// its x and y are (x the smoothness weight). Chosen on the synthetic sweep, as the rear view's
// pelvis centre: hip positions 1.37 -> 1.10 % of leg at 30 fps harsh, 1.21 -> 0.94 % at 60 fps.
constexpr double kHipAllowance = 0.3;
constexpr double kHipXStiffness = 10;
constexpr double kHipYStiffness = 3;
// The hips' vertical split (the pelvis's obliquity seen from the side, a few pixels) is far
// smoother than the hip's height, and it is anchored to its stride template like the hip. On the
// synthetic sweep (harsh noise, 8 runs) 300 x the angles' smoothness against 3 (the hip's
// height's): hip positions 1.28 -> 1.07 % of leg at 30 fps, worst filled gap 3.04 -> 2.98 %.
constexpr double kHipSplitStiffness = 300;
// With the gait-cycle prior, the first fit (whose angles make the stride templates) is half as
// smooth as the final one: its smoothing shaves every sharp turn of the stride (toe-off, the
// swing's peak), and the templates would inherit that, while its extra noise averages out over
// the strides a template is fitted to. Harsh noise, 8 runs: knee 2.30 -> 2.20 degrees at 30 fps,
// 1.76 -> 1.71 at 60, 1.45 -> 1.42 at 120, 1.20 at 240 either way.
constexpr double kFirstFitSmoothness = 0.5;

double Median(std::vector<double> values, double fallback) {
  if (values.empty()) return fallback;
  std::nth_element(values.begin(), values.begin() + values.size() / 2, values.end());
  return values[values.size() / 2];
}

// Unwraps an angle sequence so consecutive values differ by less than pi.
void Unwrap(std::vector<double>* angles) {
  for (std::size_t i = 1; i < angles->size(); ++i) {
    while ((*angles)[i] - (*angles)[i - 1] > kPi) (*angles)[i] -= 2 * kPi;
    while ((*angles)[i] - (*angles)[i - 1] < -kPi) (*angles)[i] += 2 * kPi;
  }
}

// Hidden stretches of the far leg shorter than this many frames are bridged by the seen frames
// on either side; from this length on, the anchors decide their middle.
constexpr int kMinAlignedStretch = 3;

// Where the far leg is hidden for kMinAlignedStretch frames or more, its anchors (the near
// leg's thigh and shank templates at the far leg's phase, `near_at_far`) are turned about the
// hip by the angle the far leg showed against them on the seen frames just before and just after
// the stretch (thigh and shank offsets in the current fit, x, weighted by the segment lengths;
// linearly in between). A runner's far leg does not repeat the near leg exactly: one stride it
// reaches further forward, another less, and the near leg's template alone left the hidden foot
// off by the same 1.5-3 % of leg all through the stretch. The knee angle stays the template's:
// the thigh and shank each shifted by their own offsets, from one frame each, made it noisier
// (60 fps, realistic noise: hidden knee 1.75 -> 2.20 degrees). A stretch at a clip's end takes
// the one side it has.
template <typename Hidden>
void AlignHiddenStretches(const double* x, const double* g, int far, const Hidden& far_hidden,
                          const std::array<std::vector<double>, 2>& near_at_far,
                          internal::BandedProblem* problem) {
  constexpr int N = internal::kFrameParameters;
  const int n = problem->num_frames;
  const int thigh = 3 + 3 * far, shank = 4 + 3 * far;
  // The far leg's turn against the anchors at seen frame f (NaN where unknown).
  const auto turn = [&](int f) {
    if (f < 0 || f >= n || far_hidden(f)) return std::nan("");
    const double t = x[f * N + thigh] - near_at_far[0][f], s = x[f * N + shank] - near_at_far[1][f];
    return (g[0] * t + g[1] * s) / (g[0] + g[1]);
  };
  for (int a = 0; a < n;) {
    if (!far_hidden(a)) {
      ++a;
      continue;
    }
    int b = a;
    while (b + 1 < n && far_hidden(b + 1)) ++b;
    double before = turn(a - 1), after = turn(b + 1);
    if (std::isnan(before)) before = after;
    if (std::isnan(after)) after = before;
    if (b - a + 1 >= kMinAlignedStretch && !std::isnan(before)) {
      for (int f = a; f <= b; ++f) {
        // (Only anchors from the near leg: where it has no template the far leg keeps its own.)
        if (std::isnan(near_at_far[0][f]) || std::isnan(near_at_far[1][f]) ||
            problem->anchor_weights[f * N + thigh] <= 0 ||
            problem->anchor_weights[f * N + shank] <= 0) {
          continue;
        }
        const double u = static_cast<double>(f - a + 1) / (b - a + 2);
        const double offset = before + u * (after - before);
        problem->anchor_values[f * N + thigh] += offset;
        problem->anchor_values[f * N + shank] += offset;
      }
    }
    a = b + 1;
  }
}

// Fewer feet and face votes than this: the knees decide the facing.
constexpr std::size_t kMinFacingVotes = 10;

// +1 when the runner faces image-right, -1 image-left: the median sign of toe - heel and of
// nose - ear in x. Keypoints with neither (e.g. male_side.pose.json's RTMPose points, which kept
// no ears, converted to COCO-17, which has no feet) fall back on the knees: a knee bends
// backwards, so a flexed knee lies ahead of its hip-ankle line. Before that fallback such a clip
// was taken as facing image-right whatever it showed, and male_side (facing left) came out
// unusable (residual median 31 px; 13 px with the right facing).
int FacingDirection(const PoseSequence& p, double min_confidence, double leg_px) {
  std::vector<double> votes;
  for (int f = 0; f < p.num_frames(); ++f) {
    for (int side = 0; side < 2; ++side) {
      const Keypoint& heel = p.at(f, 6 + side);
      const Keypoint& toe = p.at(f, 8 + side);
      if (heel.confidence >= min_confidence && toe.confidence >= min_confidence) {
        votes.push_back(toe.x - heel.x);
      }
    }
    const Keypoint& nose = p.at(f, static_cast<int>(CanonicalKeypoint::kNose));
    for (int ear : {static_cast<int>(CanonicalKeypoint::kLeftEar), static_cast<int>(CanonicalKeypoint::kRightEar)}) {
      if (nose.confidence >= min_confidence && p.at(f, ear).confidence >= min_confidence) {
        votes.push_back(nose.x - p.at(f, ear).x);
      }
    }
  }
  if (votes.size() < kMinFacingVotes) {
    std::vector<double> knees;
    for (int f = 0; f < p.num_frames(); ++f) {
      for (int side = 0; side < 2; ++side) {
        const Keypoint& hip = p.at(f, side);
        const Keypoint& knee = p.at(f, 2 + side);
        const Keypoint& ankle = p.at(f, 4 + side);
        if (hip.confidence < min_confidence || knee.confidence < min_confidence ||
            ankle.confidence < min_confidence || ankle.y - hip.y < 0.5 * leg_px) {
          continue;  // not seen, or not a standing leg
        }
        const double line_x = hip.x + (knee.y - hip.y) / (ankle.y - hip.y) * (ankle.x - hip.x);
        // Only clearly flexed knees (an offset of 5 % of leg is about 12 degrees of flexion).
        if (std::abs(knee.x - line_x) > 0.05 * leg_px) knees.push_back(knee.x - line_x);
      }
    }
    if (!knees.empty()) votes = knees;  // (no flexed knee either: the few votes there are)
  }
  return Median(votes, 1.0) >= 0 ? 1 : -1;
}

}  // namespace

void FitOptions::Check() const {
  GAITLENS_CHECK_INPUT(std::isfinite(smoothness) && smoothness > 0 && smoothness <= 1e3, OptionError,
                       "FitOptions.smoothness must be in (0, 1000], got ", smoothness);
  GAITLENS_CHECK_INPUT(std::isfinite(robust_scale_leg) && robust_scale_leg > 0 && robust_scale_leg <= 1,
                       OptionError, "FitOptions.robust_scale_leg must be in (0, 1], got ",
                       robust_scale_leg);
  GAITLENS_CHECK_INPUT(min_confidence >= 0 && min_confidence < 1, OptionError,
                       "FitOptions.min_confidence must be in [0, 1), got ", min_confidence);
  GAITLENS_CHECK_INPUT(runner_confidence >= 0 && runner_confidence <= 1, OptionError,
                       "FitOptions.runner_confidence must be in [0, 1], got ", runner_confidence);
  GAITLENS_CHECK_INPUT(max_iterations >= 1 && max_iterations <= 10000, OptionError,
                       "FitOptions.max_iterations must be in [1, 10000], got ", max_iterations);
  GAITLENS_CHECK_INPUT(std::isfinite(cycle_prior_deg) && cycle_prior_deg >= 0 && cycle_prior_deg <= 90,
                       OptionError, "FitOptions.cycle_prior_deg must be in [0, 90], got ", cycle_prior_deg);
  GAITLENS_CHECK_INPUT(num_threads >= 1 && num_threads <= 64, OptionError,
                       "FitOptions.num_threads must be in [1, 64], got ", num_threads);
}

View DetectView(const PoseSequence& input, double min_confidence) {
  const PoseSequence poses = ConvertLayout(input, KeypointLayout::kCanonical);
  const double leg_px = internal::EstimateLegLength(poses, min_confidence);
  std::vector<double> separation, ankle_offsets;
  for (int f = 0; f < poses.num_frames(); ++f) {
    const Keypoint& left = poses.at(f, 0);
    const Keypoint& right = poses.at(f, 1);
    if (left.confidence >= min_confidence && right.confidence >= min_confidence) {
      separation.push_back(right.x - left.x);
    }
    for (int side = 0; side < 2; ++side) {
      const Keypoint& hip = poses.at(f, side);
      const Keypoint& ankle = poses.at(f, 4 + side);
      if (hip.confidence >= min_confidence && ankle.confidence >= min_confidence) {
        ankle_offsets.push_back(ankle.x - hip.x);
      }
    }
  }
  if (separation.empty() || leg_px <= 0) return View::kSide;
  // Seen from the side the feet swing far ahead of and behind the hips (a range of about 0.8
  // leg lengths over a stride); from behind or in front they stay under them (about 0.2). This
  // decides first: a slightly oblique side camera shows the hips 0.1 leg apart, as far as a
  // narrow runner's from behind.
  if (ankle_offsets.size() >= 10) {
    std::sort(ankle_offsets.begin(), ankle_offsets.end());
    const std::size_t m = ankle_offsets.size();
    const double spread = ankle_offsets[m * 9 / 10] - ankle_offsets[m / 10];
    if (spread > 0.45 * leg_px) return View::kSide;
  }
  const double median = Median(separation, 0.0);
  // Hip joints are about 0.2 leg lengths apart; seen from the side they nearly coincide.
  if (std::abs(median) < 0.08 * leg_px) return View::kSide;
  return median > 0 ? View::kRear : View::kFront;  // from behind, the left hip is image-left
}

std::string FitSummary::BriefReport() const {
  char buffer[256];
  std::snprintf(buffer, sizeof(buffer),
                "%s after %d iterations, cost %.4g -> %.4g, %d parameters, %d residuals, %.3f s%s",
                termination.c_str(), iterations, initial_cost, final_cost, num_parameters,
                num_residuals, solve_seconds, usable ? "" : " (NOT usable)");
  return buffer;
}

FittedMotion FitLegModel(const PoseSequence& input, const FitOptions& options) {
  options.Check();
  input.Validate(input.source.empty() ? std::string("leg model input") : input.source);
  const int n = input.num_frames();
  GAITLENS_CHECK_INPUT(n >= 10, AnalysisError, input.source, ": ", n,
                       " frames are too few to fit the leg model (need 10)");
  PoseSequence poses = ConvertLayout(input, KeypointLayout::kCanonical);
  const double min_conf = options.min_confidence;
  const double leg_px = internal::EstimateLegLength(poses, min_conf);
  GAITLENS_CHECK_INPUT(leg_px > 0, AnalysisError, input.source,
                       ": no frame shows a hip, knee and ankle of one leg; is there a runner?");
  // A runner, not a detector's guesses on frames with nobody in them (runner_confidence): fitted,
  // those make a perfectly smooth, still "runner" out of nothing. A treadmill runner is in view
  // the whole clip; a quarter of the frames leaves room for occlusions and a runner stepping on.
  if (options.runner_confidence > 0) {
    const double c = options.runner_confidence;
    int seen = 0;
    for (int f = 0; f < n; ++f) {
      for (int side = 0; side < 2; ++side) {
        if (poses.at(f, side).confidence >= c && poses.at(f, 2 + side).confidence >= c &&
            poses.at(f, 4 + side).confidence >= c) {
          ++seen;
          break;
        }
      }
    }
    GAITLENS_CHECK_INPUT(4 * seen >= n, AnalysisError, input.source, ": no runner: only ", seen,
                         " of ", n,
                         " frames show a hip, knee and ankle of one leg with confidence ", c,
                         " or more (a detector's guesses where nobody is are below that; "
                         "FitOptions.runner_confidence); is the runner in view?");
  }

  const View view = options.view == View::kAuto ? DetectView(poses, min_conf) : options.view;
  if (view == View::kRear || view == View::kFront) {
    internal::LegIdentityResult identity;
    identity.relabelled.assign(n, false);
    identity.knees_merged.assign(n, false);
    if (options.resolve_swaps) identity = internal::ResolveLegIdentity(&poses, leg_px, min_conf);
    FittedMotion frontal = internal::FitFrontalView(poses, options, view, leg_px);
    frontal.relabelled = identity.relabelled;
    frontal.knees_merged = identity.knees_merged;
    return frontal;
  }

  FittedMotion motion;
  motion.view = View::kSide;
  motion.timestamps_s = poses.timestamps_s;
  motion.direction = FacingDirection(poses, min_conf, leg_px);
  // Facing image-left the camera is on the runner's left: the left leg is the near one.
  motion.near_leg = motion.direction < 0 ? 0 : 1;

  if (options.resolve_swaps) {
    const internal::LegIdentityResult identity = internal::ResolveLegIdentity(&poses, leg_px, min_conf);
    motion.relabelled = identity.relabelled;
    motion.knees_merged = identity.knees_merged;
  } else {
    motion.relabelled.assign(n, false);
    motion.knees_merged.assign(n, false);
  }

  auto usable = [&](int f, int k) { return poses.at(f, k).confidence >= min_conf; };
  auto distance = [&](int f, int a, int b) {
    return std::hypot(poses.at(f, a).x - poses.at(f, b).x, poses.at(f, a).y - poses.at(f, b).y);
  };

  // Initial global parameters from medians over frames.
  std::vector<double> thighs, shanks, feet, trunks;
  for (int f = 0; f < n; ++f) {
    for (int side = 0; side < 2; ++side) {
      if (usable(f, side) && usable(f, 2 + side)) thighs.push_back(distance(f, side, 2 + side));
      if (usable(f, 2 + side) && usable(f, 4 + side)) shanks.push_back(distance(f, 2 + side, 4 + side));
      if (usable(f, 6 + side) && usable(f, 8 + side)) feet.push_back(distance(f, 6 + side, 8 + side));
      if (usable(f, side) && usable(f, 12 + side)) trunks.push_back(distance(f, side, 12 + side));
    }
  }
  const double foot = Median(feet, 0.6 * leg_px);
  std::array<double, internal::kGlobalParameters> global = {
      Median(thighs, 0.5 * leg_px), Median(shanks, 0.5 * leg_px), 0.25 * foot, 0.15 * foot,
      0.75 * foot, Median(trunks, 0.6 * leg_px), 0.97};

  // Initial per-frame parameters from the keypoints, interpolated where missing.
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<std::vector<double>> series(internal::kFrameParameters, std::vector<double>(n, nan));
  std::vector<double> splits;  // far hip below near hip, where both are seen
  for (int f = 0; f < n; ++f) {
    double hx = 0, hy = 0;
    int hips = 0;
    for (int side = 0; side < 2; ++side) {
      if (!usable(f, side)) continue;
      hx += poses.at(f, side).x;
      hy += poses.at(f, side).y;
      ++hips;
    }
    if (hips > 0) {
      series[0][f] = hx / hips;
      series[1][f] = hy / hips;
      double sx = 0, sy = 0;
      int shoulders = 0;
      for (int k : {12, 13}) {
        if (!usable(f, k)) continue;
        sx += poses.at(f, k).x;
        sy += poses.at(f, k).y;
        ++shoulders;
      }
      if (shoulders > 0) series[2][f] = std::atan2(sx / shoulders - series[0][f], series[1][f] - sy / shoulders);
    }
    if (hips == 2) {
      splits.push_back(poses.at(f, 1 - motion.near_leg).y - poses.at(f, motion.near_leg).y);
    }
    for (int side = 0; side < 2; ++side) {
      const Keypoint& hip = poses.at(f, side);
      const Keypoint& knee = poses.at(f, 2 + side);
      const Keypoint& ankle = poses.at(f, 4 + side);
      const double base_x = usable(f, side) ? hip.x : series[0][f];
      const double base_y = usable(f, side) ? hip.y : series[1][f];
      if (usable(f, 2 + side) && !std::isnan(base_x)) {
        series[3 + 3 * side][f] = std::atan2(knee.x - base_x, knee.y - base_y);
      }
      if (usable(f, 2 + side) && usable(f, 4 + side)) {
        series[4 + 3 * side][f] = std::atan2(ankle.x - knee.x, ankle.y - knee.y);
      }
      if (usable(f, 6 + side) && usable(f, 8 + side)) {
        series[5 + 3 * side][f] = std::atan2(poses.at(f, 8 + side).y - poses.at(f, 6 + side).y,
                                             poses.at(f, 8 + side).x - poses.at(f, 6 + side).x);
      }
    }
  }
  // The hips' split starts at its median: per frame it is mostly the keypoints' jitter (a few
  // pixels of obliquity against 2-7 px of jitter), and a jittery start costs iterations.
  series[internal::kHipSplit].assign(n, Median(splits, 0.0));
  const double flat_sole = motion.direction > 0 ? 0.0 : kPi;
  const std::array<double, internal::kFrameParameters> fallback = {
      0.5 * poses.image_width, 0.5 * poses.image_height, 0, 0, 0, flat_sole, 0, 0, flat_sole, 0};
  for (int i = 0; i < internal::kFrameParameters; ++i) {
    internal::InterpolateGaps(&series[i], fallback[i]);
    if (i >= 2 && i != internal::kHipSplit) Unwrap(&series[i]);  // angles
  }
  std::vector<std::array<double, internal::kFrameParameters>> frames(n);
  for (int f = 0; f < n; ++f) {
    for (int i = 0; i < internal::kFrameParameters; ++i) frames[f][i] = series[i][f];
  }

  // Observations per model point (hips both map to the one hip point; shoulders to the middle).
  std::vector<std::array<std::array<double, 3>, internal::kModelPoints>> observed(n);
  for (int f = 0; f < n; ++f) {
    for (int p = 0; p < 10; ++p) {
      const Keypoint& k = poses.at(f, p);
      observed[f][p] = usable(f, p) ? std::array<double, 3>{k.x, k.y, k.confidence}
                                    : std::array<double, 3>{0, 0, 0};
    }
    double sx = 0, sy = 0, sc = 0;
    int count = 0;
    for (int k : {12, 13}) {
      if (!usable(f, k)) continue;
      sx += poses.at(f, k).x;
      sy += poses.at(f, k).y;
      sc += poses.at(f, k).confidence;
      ++count;
    }
    observed[f][10] = count > 0 ? std::array<double, 3>{sx / count, sy / count, sc / count}
                                : std::array<double, 3>{0, 0, 0};
  }

  const double robust_px = options.robust_scale_leg * leg_px;
  constexpr int N = internal::kFrameParameters;
  internal::BandedProblem problem;
  problem.num_frames = n;
  problem.frame_size = N;
  problem.global_size = internal::kGlobalParameters;
  problem.frames.resize(static_cast<std::size_t>(n) * N);
  for (int f = 0; f < n; ++f) std::copy(frames[f].begin(), frames[f].end(), problem.frames.begin() + f * N);
  problem.globals.assign(global.begin(), global.end());
  for (int f = 0; f < n; ++f) {
    problem.frame_costs.emplace_back(new internal::SideViewFrameCostFunction(
        internal::SideViewFrameCost(observed[f], robust_px, motion.direction, motion.near_leg)));
  }
  // Positions (hip x, y) in leg lengths, angles in radians.
  std::vector<double> units(N, 1.0);
  // The hip joint moves with accelerations of a few m/s^2 (a swinging ankle reaches a hundred):
  // smoother than the angles allow the feet to be.
  units[0] = leg_px / std::sqrt(kHipXStiffness);
  units[1] = leg_px / std::sqrt(kHipYStiffness);
  units[internal::kHipSplit] = leg_px / std::sqrt(kHipSplitStiffness);
  const bool cycle_prior = options.cycle_prior_deg > 0;
  problem.smoothness = internal::SmoothnessCoefficients(
      poses.timestamps_s, N, options.smoothness * (cycle_prior ? kFirstFitSmoothness : 1.0), units);
  // Segment and foot lengths positive, the far leg 80-105 % of the near one.
  problem.global_lower.assign(internal::kGlobalParameters, 0.01 * leg_px);
  problem.global_upper.assign(internal::kGlobalParameters, std::numeric_limits<double>::infinity());
  problem.global_lower[6] = 0.8;
  problem.global_upper[6] = 1.05;

  // Per-frame variances of thigh and shank angles and their covariances, for the knee angle's
  // uncertainty (computed in the last solve).
  const std::vector<std::array<int, 2>> knee_pairs = {{{3, 4}}, {{6, 7}}};
  // (With the prior, the first fit's variances measure how noisy its angles are, against which
  // the strides' own deviations from their template are judged.)
  internal::BandedSolution solution = internal::SolveLegProblem(options, &problem, &motion.summary, knee_pairs);
  if (cycle_prior) {
    // Gait-cycle prior (docs/leg_model.md): each leg's strides are cut where its ankle passes
    // the hip going forward (mid-swing) and back (mid-stance), registered on the thigh and shank
    // angles, and every angle is anchored to the other strides' template at its phase; two
    // warm-started refits.
    motion.cycle_prior_applied = false;
    std::vector<std::array<std::array<double, 2>, internal::kModelPoints>> model_points(n);
    for (int f = 0; f < n; ++f) {
      internal::SideViewPoints(problem.frames.data() + f * N, problem.globals.data(), motion.direction,
                               motion.near_leg, &model_points[f]);
    }
    // Without three consecutive frames of a keypoint anywhere the jitter is unknown, and so is
    // how hard to pull: no prior then.
    const double sigma_px = internal::KeypointJitterPx(observed, model_points, std::nan(""));
    const double sigma_rad = options.cycle_prior_deg * kPi / 180;
    // The first fit's angle variances, rescaled from its residuals (which on a real body include
    // the model's own mismatch) to the keypoints' jitter, and for the jitter's correlation.
    const std::vector<double> first_variances = solution.variances;
    const double residual_scale = 2 * motion.summary.final_cost /
                                  std::max(1, motion.summary.num_residuals - motion.summary.num_parameters);
    const double first_factor = internal::ResidualCorrelationFactor(observed, model_points, 3 * robust_px) *
                                std::pow(sigma_px / robust_px, 2) / std::max(residual_scale, 1e-12);
    // Per variable, the stride-to-stride deviation the anchors allow (radians, the hip's in
    // pixels; see below).
    std::array<double, N> allowed;
    allowed.fill(sigma_rad);
    const int dir = motion.direction;
    const int near = motion.near_leg, far = 1 - near;
    // Frames where the far leg's knee and ankle are both unseen (e.g. behind a console).
    const auto far_hidden = [&](int f) {
      return observed[f][2 + far][2] <= 0 && observed[f][4 + far][2] <= 0;
    };
    std::array<std::vector<double>, 2> events;
    for (int round = 0; round < kCycleRounds && std::isfinite(sigma_px); ++round) {
      const double* x = problem.frames.data();
      const double* g = problem.globals.data();
      internal::ForBothLegs(options.num_threads, [&](int side) {
        const double scale = side == near ? 1.0 : g[6];
        std::vector<double> thigh(n), shank(n);
        for (int f = 0; f < n; ++f) {
          thigh[f] = dir * x[f * N + 3 + 3 * side];
          shank[f] = dir * x[f * N + 4 + 3 * side];
        }
        if (round == 0) {
          std::vector<double> forward(n);  // the ankle ahead of the hip, in the running direction
          for (int f = 0; f < n; ++f) {
            forward[f] = scale * (g[0] * std::sin(thigh[f]) + g[1] * std::sin(shank[f]));
          }
          events[side] = internal::StrideEvents(poses.timestamps_s, forward);
        }
        if (events[side].empty()) return;  // this leg shows no strides (e.g. never seen)
        events[side] = internal::RegisterEvents(poses.timestamps_s, {thigh, shank}, {1.0, 1.0},
                                                events[side], kCycleNeighbours, round == 0 ? 4 : 2,
                                                0.06, kSideTemplateRoughness);
      });
      if (events[0].empty() && events[1].empty()) break;
      problem.anchor_values.assign(static_cast<std::size_t>(n) * N, 0.0);
      problem.anchor_weights.assign(static_cast<std::size_t>(n) * N, 0.0);
      const std::array<internal::FramePhases, 2> phases = {
          internal::PhasesFromEvents(poses.timestamps_s, events[0]),
          internal::PhasesFromEvents(poses.timestamps_s, events[1])};
      // The anchors reach the clip's ends too (up to a stride before the first event and after
      // the last), where the phase is extrapolated and less certain.
      const std::array<internal::FramePhases, 2> anchor_phases = {
          internal::ExtendPhasesToEnds(poses.timestamps_s, events[0], phases[0],
                                       internal::HalfStrideSpread(events[0])),
          internal::ExtendPhasesToEnds(poses.timestamps_s, events[1], phases[1],
                                       internal::HalfStrideSpread(events[1]))};
      // The trunk on the near leg's strides (the far leg's if only it shows strides).
      const int trunk_side = events[near].empty() ? far : near;
      // The near leg's thigh and shank templates at the far leg's phase, every frame (NaN where
      // there is none): the far leg's anchors where it is hidden.
      std::array<std::vector<double>, 2> near_at_far;
      near_at_far.fill(std::vector<double>(n, std::nan("")));
      // Per leg thigh and shank on that leg's strides; the far leg before the near one, whose
      // templates also fill the far leg's hidden frames. Not the sole: a foot fitted
      // heel-for-toe in a few strides (seen facing image-left) would pull the others to the
      // wrong half-turn.
      for (int i : {2, 3 + 3 * far, 4 + 3 * far, 3 + 3 * near, 4 + 3 * near}) {
        const int side = i == 2 ? trunk_side : (i - 3) / 3;
        if (events[side].empty()) continue;
        std::vector<double> values(n);
        for (int f = 0; f < n; ++f) values[f] = x[f * N + i];
        const internal::StrideTemplates templates(phases[side], values, kCycleNeighbours, 32,
                                                  kSideTemplateRoughness);
        std::vector<double> templ(n, std::nan(""));
        for (int f = 0; f < n; ++f) {
          const int stride = anchor_phases[side].stride[f];
          if (templates.Has(stride)) {
            templ[f] = templates.Evaluate(stride, anchor_phases[side].phase[f]);
          }
        }
        if (round == 0) {
          // The runner's own stride-to-stride deviation (see AllowedDeviation), against the
          // first fit's noise.
          std::vector<double> noise;
          for (int f = 0; f < n && !first_variances.empty(); ++f) noise.push_back(first_factor * first_variances[f * N + i]);
          // (Inside the events only: the ends' phases are extrapolated.)
          std::vector<double> inside = templ;
          for (int f = 0; f < n; ++f) {
            if (phases[side].stride[f] < 0) inside[f] = std::nan("");
          }
          allowed[i] = internal::AllowedDeviation(values, inside, noise, sigma_rad);
        }
        for (int f = 0; f < n; ++f) {
          if (std::isnan(templ[f])) continue;
          // At the ends, the template's own error from the uncertain phase adds to the allowance.
          const double timing =
              internal::TimingDeviation(templates, anchor_phases[side].stride[f],
                                        anchor_phases[side].phase[f], anchor_phases[side], f);
          problem.anchor_values[f * N + i] = templ[f];
          problem.anchor_weights[f * N + i] =
              internal::AnchorWeight(sigma_px, robust_px, allowed[i], timing);
        }
        // Where the far leg is hidden (a treadmill console hides it at the same phase of every
        // stride, so its own template there is only the fit's guess), the near leg's template
        // at the far leg's phase: a runner's two legs move alike. Where the far leg's own phase
        // is unknown (it shows no strides, or a hidden stretch made a half stride irregular),
        // the legs' antiphase: half a stride from the near leg's.
        if (side != near || i == 2) continue;
        const int i_far = i - 3 * near + 3 * far;
        for (int f = 0; f < n; ++f) {
          const int stride = anchor_phases[near].stride[f];
          if (!templates.Has(stride)) continue;
          const bool own = anchor_phases[far].stride[f] >= 0;
          const double phase = own ? anchor_phases[far].phase[f]
                                   : std::fmod(anchor_phases[near].phase[f] + 1.0, 2.0);
          near_at_far[i - 3 - 3 * near][f] = templates.Evaluate(stride, phase);
          if (!far_hidden(f)) continue;
          const double timing = internal::TimingDeviation(templates, stride, phase,
                                                          anchor_phases[own ? far : near], f);
          problem.anchor_values[f * N + i_far] = near_at_far[i - 3 - 3 * near][f];
          problem.anchor_weights[f * N + i_far] =
              internal::AnchorWeight(sigma_px, robust_px, allowed[i_far], timing);
        }
      }
      if (!events[near].empty()) {
        AlignHiddenStretches(x, g, far, far_hidden, near_at_far, &problem);
      }
      // The hip joint and the hips' split: the bounce, the to-and-fro on the belt and the
      // pelvis's obliquity repeat with the strides, on top of a drift the template must not
      // average over (as the rear view's pelvis centre).
      // Its allowance adapts to the runner as the angles' do (a runner whose steps vary bounces
      // differently from step to step).
      if (!events[trunk_side].empty()) {
        for (int i : {0, 1, internal::kHipSplit}) {
          std::vector<double> hip(n);
          for (int f = 0; f < n; ++f) hip[f] = x[f * N + i];
          std::vector<double> timing;
          const std::vector<double> templ = internal::DriftingPhaseTemplate(
              poses.timestamps_s, hip, events[trunk_side], kCycleNeighbours, 32, 1, &timing,
              kSideTemplateRoughness);
          if (round == 0) {
            std::vector<double> noise, inside = templ;
            for (int f = 0; f < n && !first_variances.empty(); ++f)
              noise.push_back(first_factor * first_variances[f * N + i]);
            for (int f = 0; f < n; ++f) {
              if (phases[trunk_side].stride[f] < 0) inside[f] = std::nan("");
            }
            allowed[i] =
                internal::AllowedDeviation(hip, inside, noise, kHipAllowance * leg_px * sigma_rad);
          }
          for (int f = 0; f < n; ++f) {
            if (std::isnan(templ[f])) continue;
            problem.anchor_values[f * N + i] = templ[f];
            problem.anchor_weights[f * N + i] =
                internal::AnchorWeight(sigma_px, robust_px, allowed[i], timing[f]);
          }
        }
      }
      motion.cycle_prior_applied = true;
      const bool last = round + 1 == kCycleRounds;
      FitSummary refit;
      // The smoothness prior on the angles smooths how they depart from the templates, not the
      // motion itself, which shaves the sharp turns of every stride (harsh noise, 30 fps: knee
      // 2.42 -> 2.29 degrees). Not where the far leg is hidden: its anchors there are the near
      // leg's template, and following that one's turns made the filled gaps worse.
      if (round == 0) {
        problem.smoothness =
            internal::SmoothnessCoefficients(poses.timestamps_s, N, options.smoothness, units);
      }
      internal::SetSmoothnessTargets(&problem, {2, 3, 4, 5, 6, 7, 8});
      // A runner whose strides vary more than the floor allowance gets the templates' turns in
      // proportion, as the anchors' weight falls (a runner 3x as variable as typical had its
      // shank 0.29 degrees worse than with no prior; 0.20 now, 0.17 without the targets).
      for (int i = 2; i <= 8; ++i) {
        const double scale = std::pow(std::min(1.0, sigma_rad / allowed[i]), 2);
        for (int f = 0; f < n; ++f) problem.smoothness_targets[f * N + i] *= scale;
      }
      for (int f = 0; f < n; ++f) {
        if (!far_hidden(f)) continue;
        for (int h = std::max(0, f - 1); h <= std::min(n - 1, f + 1); ++h) {
          for (int i : {3 + 3 * far, 4 + 3 * far, 5 + 3 * far}) {
            problem.smoothness_targets[h * N + i] = 0;
          }
        }
      }
      solution = internal::SolveLegProblem(options, &problem, &refit,
                                           last ? knee_pairs : std::vector<std::array<int, 2>>{});
      internal::AddRefit(refit, &motion.summary);
    }
    if (!motion.cycle_prior_applied) {
      // No strides to anchor to: the first fit's lighter smoothing is not the answer.
      problem.smoothness =
          internal::SmoothnessCoefficients(poses.timestamps_s, N, options.smoothness, units);
      FitSummary again;
      solution = internal::SolveLegProblem(options, &problem, &again, knee_pairs);
      internal::AddRefit(again, &motion.summary);
    } else if (solution.variances.empty()) {
      FitSummary again;
      solution = internal::SolveLegProblem(options, &problem, &again, knee_pairs);
    }
  }
  for (int f = 0; f < n; ++f) std::copy_n(problem.frames.begin() + f * N, N, frames[f].begin());
  std::copy(problem.globals.begin(), problem.globals.end(), global.begin());
  const bool solved = motion.summary.termination != "FAILURE" &&
                      std::isfinite(motion.summary.final_cost);

  // Results.
  // Whether the keypoints show the feet at all: COCO-17 detectors (MoveNet) have no heels or
  // toes, and the model's feet are then a guess from their priors alone. They are not reported:
  // no heel or toe points, NaN sole angles, foot length 0, and the filled flags count the knees
  // and ankles only (otherwise every frame of such a clip read as filled).
  bool feet_seen = false;
  for (int f = 0; f < n && !feet_seen; ++f) {
    for (int p = 6; p < 10; ++p) feet_seen = feet_seen || observed[f][p][2] > 0;
  }
  motion.lengths.thigh_px = global[0];
  motion.lengths.shank_px = global[1];
  motion.lengths.foot_px = feet_seen ? global[2] + global[4] : 0.0;
  motion.lengths.far_leg_scale = global[6];
  motion.keypoints = PoseSequence(KeypointLayout::kCanonical, n);
  motion.keypoints.timestamps_s = poses.timestamps_s;
  motion.keypoints.image_width = poses.image_width;
  motion.keypoints.image_height = poses.image_height;
  motion.keypoints.source = poses.source + " (leg model)";
  motion.knee_flexion_deg.resize(n);
  motion.knee_flexion_sd_deg.assign(n, {nan, nan});
  motion.hip_flexion_deg.resize(n);
  motion.shank_angle_deg.resize(n);
  motion.foot_angle_deg.resize(n);
  motion.trunk_lean_deg.resize(n);
  motion.filled.resize(n);
  motion.residual_px.resize(n);
  motion.fppa_deg.assign(n, {nan, nan});
  motion.fppa_sd_deg.assign(n, {nan, nan});
  motion.pelvis_obliquity_deg.assign(n, nan);
  motion.pelvis_obliquity_sd_deg.assign(n, nan);
  const int dir = motion.direction;
  std::vector<double> residual_medians;
  std::vector<std::array<std::array<double, 2>, internal::kModelPoints>> fitted_points(n);
  for (int f = 0; f < n; ++f) {
    internal::SideViewPoints(frames[f].data(), global.data(), dir, motion.near_leg, &fitted_points[f]);
  }
  const double variance_factor = internal::ResidualCorrelationFactor(observed, fitted_points, 3 * robust_px);
  for (int f = 0; f < n; ++f) {
    const auto& points = fitted_points[f];
    double sum_sq = 0;
    int used = 0;
    for (int p = 0; p < internal::kModelPoints; ++p) {
      if (observed[f][p][2] <= 0) continue;
      sum_sq += std::pow(points[p][0] - observed[f][p][0], 2) + std::pow(points[p][1] - observed[f][p][1], 2);
      ++used;
    }
    motion.residual_px[f] = used > 0 ? std::sqrt(sum_sq / used) : 0.0;
    residual_medians.push_back(motion.residual_px[f]);
    for (int p = 0; p < (feet_seen ? 10 : 6); ++p) {
      motion.keypoints.at(f, p) = {points[p][0], points[p][1], observed[f][p][2] > 0 ? 1.0 : 0.5};
    }
    for (int k : {12, 13}) {
      motion.keypoints.at(f, k) = {points[10][0], points[10][1], observed[f][10][2] > 0 ? 1.0 : 0.5};
    }
    const double trunk = frames[f][2];
    motion.trunk_lean_deg[f] = Deg(dir * trunk);
    for (int side = 0; side < 2; ++side) {
      const double thigh = frames[f][3 + 3 * side], shank = frames[f][4 + 3 * side];
      motion.knee_flexion_deg[f][side] = Deg(dir * (thigh - shank));
      if (!solution.variances.empty()) {
        const double variance = solution.variances[f * N + 3 + 3 * side] +
                                solution.variances[f * N + 4 + 3 * side] -
                                2 * solution.covariances[f][side];
        motion.knee_flexion_sd_deg[f][side] = Deg(std::sqrt(std::max(0.0, variance_factor * variance)));
      }
      motion.hip_flexion_deg[f][side] = Deg(dir * (thigh + trunk));
      motion.shank_angle_deg[f][side] = Deg(dir * shank);
      const auto& heel = points[6 + side];
      const auto& toe = points[8 + side];
      motion.foot_angle_deg[f][side] =
          feet_seen ? Deg(std::atan2(-(toe[1] - heel[1]), dir * (toe[0] - heel[0]))) : nan;
      bool filled = observed[f][2 + side][2] <= 0 || observed[f][4 + side][2] <= 0;
      if (feet_seen)
        filled = filled || observed[f][6 + side][2] <= 0 || observed[f][8 + side][2] <= 0;
      motion.filled[f][side] = filled;
    }
  }
  motion.summary.usable = solved && Median(residual_medians, 0) < 0.1 * leg_px;
  return motion;
}

}  // namespace gaitlens
