#include "model/frontal_fit.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <type_traits>

#include <ceres/ceres.h>

#include "gaitlens/core/error.h"
#include "model/cycle_prior.h"
#include "model/fit_util.h"

namespace gaitlens::internal {

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr int kParameters = 12;  // cx, cy, half width, obliquity, then knee/ankle x, y per leg
constexpr int kPoints = 6;       // canonical hips, knees, ankles (left/right interleaved)
// The gait-cycle prior: refits, and strides on each side whose frames inform a template.
constexpr int kCycleRounds = 2;
constexpr int kCycleNeighbours = 6;
// How much smoother the pelvis is than the knees and ankles (x the smoothness weight): its
// half-width changes only as the runner drifts towards or away from the camera (a rigid pelvis
// seen from behind keeps its width); its centre sways and bounces with accelerations of a few
// m/s^2 where a swinging ankle reaches a hundred.
constexpr double kHalfWidthStiffness = 1e4;
constexpr double kCentreXStiffness = 10;
constexpr double kCentreYStiffness = 3;
// The smoothness weight of positions, x FitOptions::smoothness. Positions in leg lengths with the
// side view's weight on angles in radians would be smoothed four times less than the side view's
// points: a segment half a leg long that turns by an angle moves its end by half that angle in
// leg lengths. Measured (8 runs of 8 s, harsh noise): 3 takes 30 fps from 1.77 to 1.63 % of leg
// and 120 fps from 1.14 to 1.08 (realistic, 60 fps: 0.75 -> 0.69); 2 and 4 are within 0.03 %,
// and without the gait-cycle prior it helps more (120 fps: 1.91 -> 1.70).
constexpr double kPositionSmoothness = 3;
// With the prior, the first fit (which the templates are built from) is three times lighter: its
// noise averages out over the strides (as in the side view), and as smooth as the refits it cost
// 0.07 % of leg at 30 fps.
constexpr double kFirstFitSmoothness = 1.0 / kPositionSmoothness;

// Model positions of the six points: hips from the rigid pelvis, knees and ankles free.
// `sign` is +1 in a rear view (the left hip is image-left), -1 in a front view.
template <typename T>
void FrontalPoints(const T* p, double sign, std::array<std::array<T, 2>, kPoints>* points) {
  using std::cos;
  using std::sin;
  const T dx = T(sign) * p[2] * cos(p[3]), dy = T(sign) * p[2] * sin(p[3]);
  (*points)[0] = {p[0] - dx, p[1] - dy};
  (*points)[1] = {p[0] + dx, p[1] + dy};
  for (int side = 0; side < 2; ++side) {
    (*points)[2 + side] = {p[4 + 4 * side], p[5 + 4 * side]};
    (*points)[4 + side] = {p[6 + 4 * side], p[7 + 4 * side]};
  }
}

// Robust reprojection (per point Cauchy, as in the side view) plus one-sided limits on the
// projected thigh and shank lengths (they shorten with flexion but never exceed the segment).
struct FrontalFrameCost {
  static constexpr int kResiduals = 2 * kPoints + 4;
  FrontalFrameCost(const std::array<std::array<double, 3>, kPoints>& observed, double robust_px,
                   double sign, double thigh_max, double shank_max)
      : observed_(observed), scale_(robust_px), sign_(sign), thigh_max_(thigh_max),
        shank_max_(shank_max) {}

  template <typename T>
  bool operator()(const T* p, T* residuals) const {
    std::array<std::array<T, 2>, kPoints> points;
    FrontalPoints(p, sign_, &points);
    for (int k = 0; k < kPoints; ++k) {
      const double weight = std::sqrt(observed_[k][2]);
      if (weight <= 0) {
        residuals[2 * k] = residuals[2 * k + 1] = T(0.0);
        continue;
      }
      RobustPointResidual(T((points[k][0] - observed_[k][0]) / scale_),
                          T((points[k][1] - observed_[k][1]) / scale_), weight, residuals + 2 * k);
    }
    for (int side = 0; side < 2; ++side) {
      const T thigh = hypot(points[2 + side][0] - points[side][0], points[2 + side][1] - points[side][1]);
      const T shank = hypot(points[4 + side][0] - points[2 + side][0],
                            points[4 + side][1] - points[2 + side][1]);
      const T over_thigh = thigh - T(thigh_max_), over_shank = shank - T(shank_max_);
      residuals[2 * kPoints + 2 * side] = over_thigh > T(0.0) ? T(kLimit) * over_thigh / scale_ : T(0.0);
      residuals[2 * kPoints + 2 * side + 1] =
          over_shank > T(0.0) ? T(kLimit) * over_shank / scale_ : T(0.0);
    }
    return true;
  }

  static constexpr double kLimit = 3.0;
  std::array<std::array<double, 3>, kPoints> observed_;
  double scale_, sign_, thigh_max_, shank_max_;
};

using FrontalCostFactory =
    std::function<ceres::CostFunction*(const std::array<std::array<double, 3>, kPoints>& observed)>;

double Percentile(std::vector<double> values, double q, double fallback) {
  if (values.empty()) return fallback;
  const std::size_t i = std::min(values.size() - 1, static_cast<std::size_t>(q * values.size()));
  std::nth_element(values.begin(), values.begin() + i, values.end());
  return values[i];
}

double FppaDeg(const std::array<double, 2>& hip, const std::array<double, 2>& knee,
               const std::array<double, 2>& ankle, double midline_x) {
  const double ux = knee[0] - hip[0], uy = knee[1] - hip[1];
  const double vx = ankle[0] - knee[0], vy = ankle[1] - knee[1];
  const double angle = std::atan2(std::abs(ux * vy - uy * vx), ux * vx + uy * vy) * 180 / kPi;
  const double along = (knee[1] - hip[1]) / (ankle[1] - hip[1]);
  const double line_x = hip[0] + along * (ankle[0] - hip[0]);
  const double medial = midline_x > line_x ? 1.0 : -1.0;
  return (knee[0] - line_x) * medial >= 0 ? angle : -angle;
}

// The variance (deg^2) of one leg's FPPA from the covariance of the frame's variables (their
// variances, and the covariances of `pairs`): g^T Sigma g with g the FPPA's gradient by central
// differences. The FPPA is smooth where it is defined (it changes sign through 0 as the knee
// crosses the hip-ankle line); `midline` only says which side is medial and is held fixed.
double FppaVariance(const std::array<double, kParameters>& frame, double sign, int side,
                    double midline, double leg_px, const double* variances,
                    const std::vector<std::array<int, 2>>& pairs,
                    const std::vector<double>& covariances) {
  std::array<double, kParameters> gradient;
  for (int i = 0; i < kParameters; ++i) {
    const double step = i == 3 ? 1e-6 : 1e-6 * leg_px;  // radians; px
    std::array<double, kParameters> plus = frame, minus = frame;
    plus[i] += step;
    minus[i] -= step;
    std::array<std::array<double, 2>, kPoints> a, b;
    FrontalPoints(plus.data(), sign, &a);
    FrontalPoints(minus.data(), sign, &b);
    gradient[i] = (FppaDeg(a[side], a[2 + side], a[4 + side], midline) -
                   FppaDeg(b[side], b[2 + side], b[4 + side], midline)) /
                  (2 * step);
  }
  double variance = 0;
  for (int i = 0; i < kParameters; ++i) variance += gradient[i] * gradient[i] * variances[i];
  for (std::size_t k = 0; k < pairs.size(); ++k) {
    variance += 2 * gradient[pairs[k][0]] * gradient[pairs[k][1]] * covariances[k];
  }
  return variance;
}

// A runner's departure from its mean stride, and a template's own error, last about this long
// (s): for the FPPA's uncertainty the gait-cycle prior's anchors count once per this time, not
// once per frame (BandedProblem::variance_anchor_scale). Measured on the synthetic sweep (8 runs
// per cell, stance frames): with anchors counted per frame 66-71 % of the FPPA errors under
// harsh noise were within 2 sd and 73-93 % under realistic noise; with 0.1 s 87-99 %.
constexpr double kDeviationDurationS = 0.1;

// The prior's variables in two groups: 0 lateral (x and the pelvis half-width), 1 vertical (y
// and the pelvis obliquity).
constexpr std::array<int, kParameters> kAllowanceGroup = {0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1};
// Knots of the templates over a stride: lateral paths are smooth, heights have the sharp turn
// of each footfall. With 32 knots sideways the templates followed the fit's noise: 8 lowered
// the FPPA error from 1.57 to 1.22 degrees (harsh noise, 120 fps, 8 runs).
constexpr int kLateralKnots = 8;
constexpr int kKnots = 32;
// The pelvis's drift on the belt is slow: three stride-long means in turn (harsh noise, 30 fps:
// 1.95 -> 1.91 % of leg; the side view's hip gained nothing from it).
constexpr int kPelvisTrendPasses = 3;
// The jitter measured against the templates is at most this multiple of the first measure
// (2.7-2.9 at 30 fps under harsh noise, about 1 from 120 fps up).
constexpr double kJitterRemeasure = 4.0;
// The lateral allowance as a multiple of the default one: sideways a knee or ankle repeats its
// path to a few millimetres (a 1-degree change of valgus moves the knee 0.3 % of leg), and on
// the synthetic sweep half the default is better than the default at every frame rate and noise
// (harsh 30 fps: 1.1 % of leg against 1.3 %; FPPA 1.5 against 2.0 degrees).
constexpr double kLateralAllowance = 0.5;
// The vertical allowance is chosen per clip among these multiples of the default (0: no prior):
// the heights of knees, ankles and pelvis follow each step's timing and bounce, which vary from
// runner to runner (on a runner three times as variable as typical the default allowance
// doubled the error). Nothing tighter than 2x: on 8 synthetic clips at 30 fps a fixed 2x was as
// good as 1x on average (0.84 % of leg against 0.85), while cross-validation picking 0.5x on one
// of them cost it 0.4 % (1.26 % of leg against 0.86).
constexpr std::array<double, 3> kVerticalAllowances = {2, 4, 0};
// Blocks of three frames out of every kHeldOut have their keypoints held out; the middle one is
// scored (the jitter of its neighbours, correlated with its own, is held out with it).
constexpr int kHeldOut = 8;
// Iterations of each scoring fit (they start from the first fit; more change no choice on the
// synthetic sweep).
constexpr int kScoringIterations = 4;
// At most this many frames (from the middle of the clip) are used to choose the allowance.
constexpr int kCrossValidationFrames = 2400;

// Scales the vertical group's anchor weights `base` by the vertical allowance (a multiple of
// the default; the lateral ones are set with their weights).
void ScaleAnchors(const std::vector<double>& base, double vertical, std::vector<double>* weights) {
  weights->resize(base.size());
  for (std::size_t k = 0; k < base.size(); ++k) {
    const int group = kAllowanceGroup[k % kParameters];
    const double scale = group == 1 ? vertical : 1.0;
    (*weights)[k] = scale > 0 ? base[k] / (scale * scale) : 0.0;
  }
}

// The vertical allowance by cross-validation: for each of kVerticalAllowances the fit without
// the held-out frames' keypoints predicts their vertical coordinates, and the allowance with the
// least error wins (squared residuals clipped at 4 jitter sds, so outliers do not vote). That
// error is the jitter plus the fit's own error, and only the second depends on the allowance.
// On the synthetic sweep it picks 2x for typical runners at 30 fps, 4x at 120-240 fps and no
// vertical prior for a runner three times as variable. (Cross-validating the lateral
// allowance the same way picked too loose a prior: it is fixed.) Adds the scoring fits' time to
// the summary's.
double CrossValidatedVerticalAllowance(
    const FitOptions& options,
    const std::vector<std::array<std::array<double, 3>, kPoints>>& observed, double sign,
    double sigma_px, const FrontalCostFactory& make_cost, const BandedProblem& problem,
    FitSummary* summary) {
  // The scoring fits run on the middle kCrossValidationFrames of the clip (the allowance is the
  // runner's, and a long clip would only cost time), with the held-out keypoints left out.
  const int n = std::min(problem.num_frames, kCrossValidationFrames);
  const int first = (problem.num_frames - n) / 2;
  const auto slice = [&](const auto& v) {
    using V = std::decay_t<decltype(v)>;
    return V(v.begin() + static_cast<std::ptrdiff_t>(first) * kParameters,
             v.begin() + static_cast<std::ptrdiff_t>(first + n) * kParameters);
  };
  BandedProblem scored;
  scored.num_frames = n;
  scored.frame_size = kParameters;
  scored.smoothness = slice(problem.smoothness);
  scored.anchor_values = slice(problem.anchor_values);
  scored.frame_lower = problem.frame_lower;
  scored.frame_upper = problem.frame_upper;
  const std::vector<double> base = slice(problem.anchor_weights);
  const auto held_out = [](int f) { return std::abs(f % kHeldOut - kHeldOut / 2) <= 1; };
  // The first fit saw the held-out keypoints: start from it with each held-out block bridged
  // linearly instead, and re-base the knee and ankle anchors (template + pelvis centre) on the
  // bridged centre, so that what is scored was not fitted.
  std::vector<double> start = slice(problem.frames);
  const std::vector<double> fitted = start;
  for (int f = 0; f < n; ++f) {
    if (!held_out(f)) continue;
    int before = f - 1, after = f + 1;
    while (before >= 0 && held_out(before)) --before;
    while (after < n && held_out(after)) ++after;
    if (before < 0 && after >= n) continue;  // no frame left to bridge from (not with n >= 8)
    for (int i = 0; i < kParameters; ++i) {
      const double a =
          before >= 0 ? fitted[before * kParameters + i] : fitted[after * kParameters + i];
      const double b = after < n ? fitted[after * kParameters + i] : a;
      const double u =
          before >= 0 && after < n ? static_cast<double>(f - before) / (after - before) : 0.0;
      start[f * kParameters + i] = a + u * (b - a);
    }
    for (int i = 4; i < kParameters; ++i) {  // knees and ankles: x relative to centre x, y to y
      const int centre = (i % 2 == 0 ? 0 : 1) + f * kParameters;
      scored.anchor_values[f * kParameters + i] += start[centre] - fitted[centre];
    }
  }
  int scored_points = 0;
  for (int f = 0; f < n; ++f) {
    std::array<std::array<double, 3>, kPoints> seen = observed[first + f];
    if (held_out(f)) {
      for (auto& point : seen) {
        if (f % kHeldOut == kHeldOut / 2 && point[2] > 0) ++scored_points;
        point[2] = 0;
      }
    }
    scored.frame_costs.emplace_back(make_cost(seen));
  }
  // Nothing to score, or no template to pull to: the default.
  if (scored_points < 20 ||
      std::all_of(base.begin(), base.end(), [](double w) { return w <= 0; })) {
    return 1.0;
  }
  const double clip = std::pow(4 * sigma_px, 2);
  double best = 1, best_error = std::numeric_limits<double>::infinity();
  FitOptions scoring_options = options;
  scoring_options.max_iterations = std::min(options.max_iterations, kScoringIterations);
  for (double allowance : kVerticalAllowances) {
    scored.frames = start;
    ScaleAnchors(base, allowance, &scored.anchor_weights);
    FitSummary scoring;
    SolveLegProblem(scoring_options, &scored, &scoring);
    summary->solve_seconds += scoring.solve_seconds;  // time spent, though not a step of the fit
    double error = 0;
    for (int f = kHeldOut / 2; f < n; f += kHeldOut) {
      std::array<std::array<double, 2>, kPoints> points;
      FrontalPoints(scored.frames.data() + f * kParameters, sign, &points);
      const auto& seen = observed[first + f];
      for (int k = 0; k < kPoints; ++k) {
        if (seen[k][2] > 0) error += std::min(clip, std::pow(points[k][1] - seen[k][1], 2));
      }
    }
    if (error < best_error) best_error = error, best = allowance;
  }
  return best;
}

}  // namespace

// The gait-cycle prior of the rear/front view (see docs/leg_model.md): knees and ankles,
// relative to the pelvis centre, the pelvis obliquity, and the pelvis centre and half-width (less
// their drift) are anchored to the same phase of the neighbouring strides, phase from each
// ankle's height above the pelvis; two warm-started refits. The anchors' weight is set by the
// keypoints' jitter measured against the templates. The default allowed stride-to-stride
// deviation of a point is 0.3 leg lengths times the angle cycle_prior_deg (in radians; 1 % of
// leg at the default 2 degrees), half that sideways and cross-validated vertically. False when
// the motion is not periodic enough or the keypoints' jitter cannot be measured.
// The last refit also computes the covariances of `pairs` (into *solution).
bool ApplyCyclePrior(const FitOptions& options, const std::vector<double>& times,
                     const std::vector<std::array<std::array<double, 3>, kPoints>>& observed,
                     double sign, double robust_px, double leg_px,
                     const FrontalCostFactory& make_cost,
                     const std::vector<std::array<int, 2>>& pairs, BandedProblem* problem,
                     FitSummary* summary, BandedSolution* solution) {
  const int n = problem->num_frames;
  const double sigma_rad = options.cycle_prior_deg * kPi / 180;
  bool applied = false;
  std::vector<std::array<std::array<double, 2>, kPoints>> model_points(n);
  for (int f = 0; f < n; ++f) FrontalPoints(problem->frames.data() + f * kParameters, sign, &model_points[f]);
  // A first guess of the jitter, against the first fit; replaced below by a measure against the
  // stride templates.
  double sigma_px = KeypointJitterPx(observed, model_points, std::nan(""));
  if (!std::isfinite(sigma_px)) return false;  // the jitter is unknown, and so how hard to pull
  const double sigma_point = 0.3 * leg_px * sigma_rad;
  // Per variable, the allowed stride-to-stride deviation (px; the obliquity's in radians).
  std::array<double, kParameters> allowed;
  for (int i = 0; i < kParameters; ++i) {
    allowed[i] = kAllowanceGroup[i] == 0 ? kLateralAllowance * sigma_point : sigma_point;
  }
  allowed[3] = sigma_rad;
  std::array<std::vector<double>, 2> events;
  double vertical = 1;
  for (int round = 0; round < kCycleRounds; ++round) {
    const double* x = problem->frames.data();
    ForBothLegs(options.num_threads, [&](int side) {
      std::vector<std::vector<double>> relative(4, std::vector<double>(n));
      for (int f = 0; f < n; ++f) {
        for (int j = 0; j < 4; ++j) {
          relative[j][f] = x[f * kParameters + 4 + 4 * side + j] - x[f * kParameters + j % 2];
        }
      }
      // The ankle's height above the pelvis: up- and down-crossings just after toe-off and
      // before footfall.
      if (round == 0) {
        std::vector<double> lift(n);
        for (int f = 0; f < n; ++f) lift[f] = -relative[3][f];
        events[side] = StrideEvents(times, lift);
      }
      if (events[side].empty()) return;
      events[side] = RegisterEvents(times, relative, {1.0, 1.0, 1.0, 1.0}, events[side], kCycleNeighbours,
                                    round == 0 ? 4 : 2);
    });
    if (events[0].empty() || events[1].empty()) break;  // a leg without strides: no prior
    // Every variable's template: knees and ankles relative to the pelvis centre (on their own
    // leg's strides), the obliquity on the left leg's, and the pelvis centre and half-width
    // less their drift (stride-long means, added back: the runner drifts on the belt and
    // towards or away from the camera, and a template must not average over that).
    // Lateral variables get fewer knots: sideways paths are smooth, and 32 knots over a
    // stride would follow the fit's noise.
    // Up to a stride beyond the first and last events the phase is extrapolated, and the
    // templates there carry their own uncertainty (TimingDeviation).
    std::vector<std::vector<double>> templates(kParameters), timing(kParameters);
    std::array<int, kParameters> centre_of;
    centre_of.fill(-1);
    for (int side = 0; side < 2; ++side) {
      for (int j = 0; j < 4; ++j) {
        const int i = 4 + 4 * side + j;  // knee x, y, ankle x, y
        centre_of[i] = j % 2;
        std::vector<double> relative(n);
        for (int f = 0; f < n; ++f) {
          relative[f] = x[f * kParameters + i] - x[f * kParameters + j % 2];
        }
        templates[i] = PhaseTemplate(times, relative, events[side], kCycleNeighbours,
                                     kAllowanceGroup[i] == 0 ? kLateralKnots : kKnots, &timing[i]);
      }
    }
    for (int i = 0; i < 4; ++i) {
      std::vector<double> values(n);
      for (int f = 0; f < n; ++f) values[f] = x[f * kParameters + i];
      const int knots = kAllowanceGroup[i] == 0 ? kLateralKnots : kKnots;
      templates[i] =
          i == 3 ? PhaseTemplate(times, values, events[0], kCycleNeighbours, knots, &timing[i])
                 : DriftingPhaseTemplate(times, values, events[0], kCycleNeighbours, knots,
                                         kPelvisTrendPasses, &timing[i]);
    }
    problem->anchor_values.assign(static_cast<std::size_t>(n) * kParameters, 0.0);
    problem->anchor_weights.assign(static_cast<std::size_t>(n) * kParameters, 0.0);
    std::vector<bool> anchored(n, true);  // every variable anchored, at a phase inside the events
    for (int f = 0; f < n; ++f) {
      for (int i = 0; i < kParameters; ++i) {
        const double t = templates[i][f];
        anchored[f] = anchored[f] && !std::isnan(t) && timing[i][f] == 0;
        problem->anchor_values[f * kParameters + i] =
            std::isnan(t) ? 0.0 : t + (centre_of[i] >= 0 ? x[f * kParameters + centre_of[i]] : 0.0);
      }
    }
    if (round == 0) {
      // The jitter again, against what the templates alone predict (the knees and ankles on
      // the pelvis centre's template, not on the first fit's centre, which follows the hips'
      // jitter). The first fit follows part of the jitter where the frames are far apart (at
      // 30 fps under 1 % jitter it measured a third of it, and the anchors came out ten times
      // too weak); a template averages it over the strides. At most kJitterRemeasure x the
      // first measure: a template that fits badly (a clip whose strides do not line up) must
      // not read as jitter and tighten the prior.
      std::vector<std::array<std::array<double, 3>, kPoints>> seen = observed;
      std::vector<std::array<std::array<double, 2>, kPoints>> predicted(n);
      std::array<double, kParameters> frame;
      for (int f = 0; f < n; ++f) {
        for (int i = 0; i < kParameters; ++i) {
          frame[i] = templates[i][f] +
                     (centre_of[i] >= 0 ? templates[centre_of[i]][f] : 0.0);  // NaN if none
        }
        FrontalPoints(frame.data(), sign, &predicted[f]);
        if (!anchored[f]) {
          for (auto& point : seen[f]) point[2] = 0;
        }
      }
      const double first_sigma = sigma_px;
      sigma_px = std::clamp(KeypointJitterPx(seen, predicted, first_sigma), first_sigma,
                            kJitterRemeasure * first_sigma);
    }
    for (int f = 0; f < n; ++f) {
      for (int i = 0; i < kParameters; ++i) {
        if (std::isnan(templates[i][f])) continue;
        problem->anchor_weights[f * kParameters + i] =
            AnchorWeight(sigma_px, robust_px, allowed[i], timing[i][f]);
      }
    }
    if (round == 0) {
      vertical = CrossValidatedVerticalAllowance(options, observed, sign, sigma_px, make_cost,
                                                 *problem, summary);
    }
    ScaleAnchors(std::vector<double>(problem->anchor_weights), vertical, &problem->anchor_weights);
    applied = true;
    FitSummary refit;
    const bool last = round + 1 == kCycleRounds;
    *solution =
        SolveLegProblem(options, problem, &refit, last ? pairs : std::vector<std::array<int, 2>>{});
    AddRefit(refit, summary);
  }
  return applied;
}

FittedMotion FitFrontalView(const PoseSequence& poses, const FitOptions& options, View view,
                            double leg_px) {
  const int n = poses.num_frames();
  const double sign = view == View::kRear ? 1.0 : -1.0;
  const double min_conf = options.min_confidence;
  auto usable = [&](int f, int k) { return poses.at(f, k).confidence >= min_conf; };

  std::vector<double> thighs, shanks;
  std::vector<std::vector<double>> series(kParameters, std::vector<double>(n, std::nan("")));
  for (int f = 0; f < n; ++f) {
    if (usable(f, 0) && usable(f, 1)) {
      const Keypoint& l = poses.at(f, 0);
      const Keypoint& r = poses.at(f, 1);
      series[0][f] = 0.5 * (l.x + r.x);
      series[1][f] = 0.5 * (l.y + r.y);
      series[2][f] = 0.5 * std::hypot(r.x - l.x, r.y - l.y);
      series[3][f] = std::atan2(sign * (r.y - l.y), sign * (r.x - l.x));
    }
    for (int side = 0; side < 2; ++side) {
      for (int j = 0; j < 2; ++j) {  // knee, ankle
        const int k = 2 + 2 * j + side;
        if (!usable(f, k)) continue;
        series[4 + 4 * side + 2 * j][f] = poses.at(f, k).x;
        series[5 + 4 * side + 2 * j][f] = poses.at(f, k).y;
      }
      if (usable(f, side) && usable(f, 2 + side)) {
        thighs.push_back(std::hypot(poses.at(f, side).x - poses.at(f, 2 + side).x,
                                    poses.at(f, side).y - poses.at(f, 2 + side).y));
      }
      if (usable(f, 2 + side) && usable(f, 4 + side)) {
        shanks.push_back(std::hypot(poses.at(f, 2 + side).x - poses.at(f, 4 + side).x,
                                    poses.at(f, 2 + side).y - poses.at(f, 4 + side).y));
      }
    }
  }
  const std::array<double, kParameters> fallback = {
      0.5 * poses.image_width, 0.5 * poses.image_height, 0.1 * leg_px, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  for (int i = 0; i < kParameters; ++i) InterpolateGaps(&series[i], fallback[i]);
  std::vector<std::array<double, kParameters>> frames(n);
  for (int f = 0; f < n; ++f) {
    for (int i = 0; i < kParameters; ++i) frames[f][i] = series[i][f];
  }
  // Projected lengths never exceed the segments: limit at the 90th percentile of what was seen.
  const double thigh_max = Percentile(thighs, 0.9, 0.5 * leg_px);
  const double shank_max = Percentile(shanks, 0.9, 0.5 * leg_px);

  std::vector<std::array<std::array<double, 3>, kPoints>> observed(n);
  const double robust_px = options.robust_scale_leg * leg_px;
  BandedProblem problem;
  problem.num_frames = n;
  problem.frame_size = kParameters;
  problem.frames.resize(static_cast<std::size_t>(n) * kParameters);
  for (int f = 0; f < n; ++f) {
    std::copy(frames[f].begin(), frames[f].end(), problem.frames.begin() + f * kParameters);
    for (int k = 0; k < kPoints; ++k) {
      const Keypoint& p = poses.at(f, k);
      observed[f][k] = usable(f, k) ? std::array<double, 3>{p.x, p.y, p.confidence}
                                    : std::array<double, 3>{0, 0, 0};
    }
  }
  const FrontalCostFactory make_cost = [&](const std::array<std::array<double, 3>, kPoints>& seen) {
    return new ceres::AutoDiffCostFunction<FrontalFrameCost, FrontalFrameCost::kResiduals,
                                           kParameters>(
        new FrontalFrameCost(seen, robust_px, sign, thigh_max, shank_max));
  };
  for (int f = 0; f < n; ++f) problem.frame_costs.emplace_back(make_cost(observed[f]));
  // Positions in leg lengths, the obliquity in radians; the pelvis half-width stays positive.
  std::vector<double> units(kParameters, leg_px);
  units[3] = 1.0;
  units[0] = leg_px / std::sqrt(kCentreXStiffness);
  units[1] = leg_px / std::sqrt(kCentreYStiffness);
  units[2] = leg_px / std::sqrt(kHalfWidthStiffness);
  const auto smoothness = [&](double factor) {
    return SmoothnessCoefficients(poses.timestamps_s, kParameters,
                                  factor * kPositionSmoothness * options.smoothness, units);
  };
  const bool cycle_prior = options.cycle_prior_deg > 0;
  problem.smoothness = smoothness(cycle_prior ? kFirstFitSmoothness : 1.0);
  problem.frame_lower.assign(kParameters, -std::numeric_limits<double>::infinity());
  problem.frame_lower[2] = 0.01 * leg_px;
  const double fps = poses.EstimatedFps();  // > 0: FitLegModel needs 10 frames
  problem.variance_anchor_scale = std::min(1.0, 1.0 / (fps * kDeviationDurationS));
  // Every pair of a frame's variables: their whole covariance, for the FPPA's uncertainty.
  std::vector<std::array<int, 2>> pairs;
  for (int i = 0; i < kParameters; ++i) {
    for (int j = i + 1; j < kParameters; ++j) pairs.push_back({i, j});
  }
  FitSummary fit_summary;
  BandedSolution solution = SolveLegProblem(
      options, &problem, &fit_summary, cycle_prior ? std::vector<std::array<int, 2>>{} : pairs);
  bool cycle_applied = false;
  if (cycle_prior) {
    problem.smoothness = smoothness(1.0);
    cycle_applied = ApplyCyclePrior(options, poses.timestamps_s, observed, sign, robust_px, leg_px,
                                    make_cost, pairs, &problem, &fit_summary, &solution);
    if (!cycle_applied) {  // no prior after all: the lighter first fit is not the answer
      FitSummary refit;
      solution = SolveLegProblem(options, &problem, &refit, pairs);
      AddRefit(refit, &fit_summary);
    }
  }
  if (solution.variances.empty() && fit_summary.termination != "FAILURE") {
    // The prior's second round found no strides after the first had anchored them: the
    // covariances at the solution in one more (converged) step.
    FitSummary again;
    solution = SolveLegProblem(options, &problem, &again, pairs);
    AddRefit(again, &fit_summary);
  }
  for (int f = 0; f < n; ++f) {
    std::copy_n(problem.frames.begin() + f * kParameters, kParameters, frames[f].begin());
  }

  FittedMotion motion;
  motion.view = view;
  motion.direction = 0;
  motion.near_leg = -1;
  motion.timestamps_s = poses.timestamps_s;
  motion.summary = fit_summary;
  motion.cycle_prior_applied = cycle_applied;
  motion.lengths.thigh_px = thigh_max;
  motion.lengths.shank_px = shank_max;
  motion.keypoints = PoseSequence(KeypointLayout::kCanonical, n);
  motion.keypoints.timestamps_s = poses.timestamps_s;
  motion.keypoints.image_width = poses.image_width;
  motion.keypoints.image_height = poses.image_height;
  motion.keypoints.source = poses.source + " (leg model)";
  const double nan = std::numeric_limits<double>::quiet_NaN();
  motion.knee_flexion_deg.assign(n, {nan, nan});
  motion.knee_flexion_sd_deg.assign(n, {nan, nan});
  motion.hip_flexion_deg.assign(n, {nan, nan});
  motion.shank_angle_deg.assign(n, {nan, nan});
  motion.foot_angle_deg.assign(n, {nan, nan});
  motion.trunk_lean_deg.assign(n, nan);
  motion.fppa_deg.resize(n);
  motion.fppa_sd_deg.assign(n, {nan, nan});
  motion.pelvis_obliquity_deg.resize(n);
  motion.pelvis_obliquity_sd_deg.assign(n, nan);
  motion.filled.resize(n);
  motion.residual_px.resize(n);
  std::vector<std::array<std::array<double, 2>, kPoints>> fitted_points(n);
  for (int f = 0; f < n; ++f) FrontalPoints(frames[f].data(), sign, &fitted_points[f]);
  const double variance_factor = ResidualCorrelationFactor(observed, fitted_points, 3 * robust_px);
  std::vector<double> residuals;
  for (int f = 0; f < n; ++f) {
    const auto& points = fitted_points[f];
    double sum_sq = 0;
    int used = 0;
    for (int k = 0; k < kPoints; ++k) {
      const bool seen = observed[f][k][2] > 0;
      motion.keypoints.at(f, k) = {points[k][0], points[k][1], seen ? 1.0 : 0.5};
      if (!seen) continue;
      sum_sq += std::pow(points[k][0] - observed[f][k][0], 2) + std::pow(points[k][1] - observed[f][k][1], 2);
      ++used;
    }
    motion.residual_px[f] = used > 0 ? std::sqrt(sum_sq / used) : 0.0;
    residuals.push_back(motion.residual_px[f]);
    const double midline = frames[f][0];
    for (int side = 0; side < 2; ++side) {
      motion.fppa_deg[f][side] = FppaDeg(points[side], points[2 + side], points[4 + side], midline);
      if (!solution.variances.empty()) {
        const double variance = FppaVariance(frames[f], sign, side, midline, leg_px,
                                             solution.variances.data() + f * kParameters, pairs,
                                             solution.covariances[f]);
        motion.fppa_sd_deg[f][side] = std::sqrt(std::max(0.0, variance_factor * variance));
      }
      motion.filled[f][side] = observed[f][2 + side][2] <= 0 || observed[f][4 + side][2] <= 0;
    }
    motion.pelvis_obliquity_deg[f] =
        std::atan2(points[1][1] - points[0][1], std::abs(points[1][0] - points[0][0])) * 180 / kPi;
    // The hip-hip line is the pelvis segment: its angle to horizontal is the obliquity variable
    // (up to its sign), whose variance the solution has.
    if (!solution.variances.empty()) {
      motion.pelvis_obliquity_sd_deg[f] =
          std::sqrt(std::max(0.0, variance_factor * solution.variances[f * kParameters + 3])) *
          180 / kPi;
    }
  }
  std::nth_element(residuals.begin(), residuals.begin() + residuals.size() / 2, residuals.end());
  motion.summary.usable = fit_summary.termination != "FAILURE" &&
                          std::isfinite(fit_summary.final_cost) &&
                          residuals[residuals.size() / 2] < 0.1 * leg_px;
  return motion;
}

}  // namespace gaitlens::internal
