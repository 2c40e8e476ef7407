// The gait-cycle prior of the leg model (private): treadmill running repeats itself stride after
// stride, so each frame's joint angles are pulled softly towards the same leg's angles at the same
// phase of the neighbouring strides. It averages keypoint noise over several strides where
// frame-to-frame smoothing alone cannot (at 30 fps a swing lasts ten frames). The pieces: stride
// events of a periodic signal, their registration (time warping) so that the strides line up,
// and per-stride phase templates from the other strides.
#ifndef GAITLENS_SRC_MODEL_CYCLE_PRIOR_H_
#define GAITLENS_SRC_MODEL_CYCLE_PRIOR_H_

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <vector>

namespace gaitlens::internal {

// Two reference events per stride of a periodic signal (e.g. a thigh angle): the times where it
// crosses its mean upwards (even indices) and downwards (odd), linearly interpolated, with
// hysteresis of a fifth of its spread. Crossings are steep where peaks are flat, so their
// times are several times less sensitive to noise. Empty when the signal is not periodic (no
// peak of the normalised autocorrelation of at least 0.5 at a lag between min_period_s and
// max_period_s, or crossings that do not repeat at about that lag) or shows fewer than 3.5
// strides.
std::vector<double> StrideEvents(const std::vector<double>& times_s, const std::vector<double>& signal,
                                 double min_period_s = 0.45, double max_period_s = 1.6);

// Gait phase per frame from events of two alternating kinds (e.g. footfall, then toe-off):
// phase in [0, 1) from an even event to the next odd one, [1, 2) from an odd event to the next
// even one; the stride of a frame is the index of its even event / 2. Frames outside the events,
// or in a half stride whose duration is more than `tolerance` off the median of its kind, have
// stride -1.
struct FramePhases {
  std::vector<int> stride;
  std::vector<double> phase;
  int num_strides = 0;
  // Set by ExtendPhasesToEnds: the median duration (s) of each kind of half stride, and per
  // frame the uncertainty (s, 1 sigma) of its time within its half stride where the phase is
  // carried past the events (0 inside them).
  std::array<double, 2> half_stride_s{0, 0};
  std::vector<double> timing_sd_s;
};
FramePhases PhasesFromEvents(const std::vector<double>& times_s, const std::vector<double>& events,
                             double tolerance = 0.2);

// `phases` (from PhasesFromEvents on `events`) carried a stride past the first and the last
// event (two half strides of the median durations of their kinds), onto the nearest stride:
// the frames at a clip's ends before the first event or after the last get a phase to evaluate
// templates at. The carried phases assume the median durations, so they are for evaluating
// templates, not for fitting them. Their timing is uncertain by `spread` (HalfStrideSpread) x
// the time beyond the event (timing_sd_s).
FramePhases ExtendPhasesToEnds(const std::vector<double>& times_s,
                               const std::vector<double>& events, FramePhases phases,
                               double spread);

// How much the half strides' durations vary, relative to their median: 1.4826 x the median
// absolute deviation / the median, per kind (even to odd event, odd to even), averaged over
// the two kinds; 0 with fewer than three of a kind.
double HalfStrideSpread(const std::vector<double>& events);

// Per-stride templates of one signal over the gait phase: for each stride, a periodic cubic
// B-spline over phase [0, 2) with `knots` coefficients, fitted by least squares (plus a small
// roughness penalty) to the frames of up to `neighbours` strides before and after, not its own.
// Strides sample the phase at different offsets, so at 30 fps the template resolves more than a
// frame-rate curve would. The roughness penalty is relative to the data term (per sample and
// knot), so it does not depend on the signal's units.
constexpr double kTemplateRoughness = 1e-3;
class StrideTemplates {
 public:
  StrideTemplates(const FramePhases& phases, const std::vector<double>& values, int neighbours,
                  int knots = 32, double roughness = kTemplateRoughness);
  // Whether stride s has a template.
  bool Has(int stride) const;
  // Stride s's template at phase in [0, 2) (wrapped).
  double Evaluate(int stride, double phase) const;
  // The same in two steps, for several templates with the same knots at one phase.
  struct Point {
    std::array<int, 4> index;
    std::array<double, 4> weight;
  };
  Point At(double phase) const;
  double Evaluate(int stride, const Point& point) const;
  // The template's derivative with respect to phase. As Evaluate, only for a stride that Has
  // a template.
  double Slope(int stride, double phase) const;

 private:
  int knots_;
  std::vector<std::vector<double>> coefficients_;  // empty: no template
};

// How far stride s's template at frame f may be off because the frame's phase is uncertain
// (FramePhases::timing_sd_s): the template's slope in time there times that uncertainty; 0
// where the phase is not carried past the events. `phase` is the frame's phase in `phases`
// (the template may be another leg's).
double TimingDeviation(const StrideTemplates& templates, int stride, double phase,
                       const FramePhases& phases, int f);

// The template value of every frame (NaN where its stride has none): StrideTemplates evaluated
// at the frames' own phases. With `timing`, also at the clip's ends (ExtendPhasesToEnds), and
// *timing gets each frame's TimingDeviation (0 inside the events).
std::vector<double> PhaseTemplate(const std::vector<double>& times_s,
                                  const std::vector<double>& values,
                                  const std::vector<double>& events, int neighbours, int knots = 32,
                                  std::vector<double>* timing = nullptr,
                                  double roughness = kTemplateRoughness);

// Time-warping registration: moves each event so that the frames of the two half strides around
// it best match the other strides' templates of every signal (least squares, signal i weighted by
// weights[i]; a grid search over +-`search` of the median stride, then a parabola through the
// best three), `iterations` times with templates refitted in between. The events keep their
// order. Aligning strides this way makes their average a sharp template: stride-to-stride timing
// varies by a few percent, and at a swing's 700 degrees/s a 5 ms misalignment is 3 degrees.
// `roughness` as for StrideTemplates.
std::vector<double> RegisterEvents(const std::vector<double>& times_s,
                                   const std::vector<std::vector<double>>& signals,
                                   const std::vector<double>& weights, std::vector<double> events,
                                   int neighbours, int iterations = 4, double search = 0.06,
                                   double roughness = kTemplateRoughness);

// The slow part of a periodic signal: its mean over one stride period (the median time between
// every other event of `events`, as from StrideEvents), centred on each frame where a whole
// period fits; near the ends the first or last whole period's mean, carried on linearly with the
// slope to the next whole period when the clip holds two. The signal is taken as linear
// between frames and integrated over exactly one period, so the mean cancels every harmonic of
// the stride whatever the frame rate; what is left is the drift a template of the periodic part
// should not average over (e.g. a runner drifting on the belt). NaN values are bridged
// linearly; with fewer than three events, or a clip shorter than a period, the plain mean.
// times_s must increase (as PoseSequence::Validate requires).
std::vector<double> StrideTrend(const std::vector<double>& times_s,
                                const std::vector<double>& values,
                                const std::vector<double>& events);

// The template of a signal that drifts (a hip or pelvis on the belt): PhaseTemplate of what is
// left after StrideTrend, with the trend added back, so that the strides' average is not pulled
// by the drift. NaN where the frame's stride has no template. With trend_passes > 1 the trend
// is StrideTrend applied that many times (a smoother drift that still cancels every harmonic of
// the stride: a one-stride mean of a noisy signal keeps some of its noise). `timing` as for
// PhaseTemplate, as is `roughness`.
std::vector<double> DriftingPhaseTemplate(const std::vector<double>& times_s,
                                          const std::vector<double>& values,
                                          const std::vector<double>& events, int neighbours,
                                          int knots = 32, int trend_passes = 1,
                                          std::vector<double>* timing = nullptr,
                                          double roughness = kTemplateRoughness);

// The stride-to-stride deviation a gait-cycle prior should allow one variable: at least `floor`,
// and `factor` times the runner's own deviation, measured as the spread of `values` around
// their template `templ` (a robust variance: the median of the squares / 0.455) less the mean
// of `noise_variance` (what the fit's own noise explains; per frame, NaN-free, may be empty).
// Frames where templ is NaN are left out; with fewer than 20 frames, or a spread less than twice
// the noise (where the difference is mostly the noise estimate's own error), the floor. Deviations last
// a stride while a prior's anchors act frame by frame, hence a factor above 1 (2 was chosen on
// synthetic runners one to three times as variable as typical).
double AllowedDeviation(const std::vector<double>& values, const std::vector<double>& templ,
                        const std::vector<double>& noise_variance, double floor, double factor = 2.0);

// The detector's frame-to-frame jitter (px, 1 sigma per coordinate): second differences
// r[f+1] - 2 r[f] + r[f-1] of the residuals r = keypoint - model point of points seen in three
// consecutive frames have 6 sigma^2 variance for white jitter; their median absolute value
// (x 1.4826) over all points and coordinates, / sqrt(6). The model (a first fit) takes out the
// motion, which at 30 fps curves by several pixels per frame; the second difference takes out
// the model's own smooth mismatch with a real body, so it is not counted as noise. At least
// 0.5 px; `fallback` with fewer than 20 triples. observed[f][k] = {x, y, confidence (<= 0: not
// seen)}, model[f][k] = {x, y}.
template <std::size_t K>
double KeypointJitterPx(const std::vector<std::array<std::array<double, 3>, K>>& observed,
                        const std::vector<std::array<std::array<double, 2>, K>>& model, double fallback) {
  std::vector<double> d;
  for (std::size_t f = 1; f + 1 < observed.size() && f + 1 < model.size(); ++f) {
    for (std::size_t k = 0; k < K; ++k) {
      const auto& a = observed[f - 1][k];
      const auto& b = observed[f][k];
      const auto& c = observed[f + 1][k];
      if (a[2] <= 0 || b[2] <= 0 || c[2] <= 0) continue;
      for (int i = 0; i < 2; ++i) {
        d.push_back(std::abs((c[i] - model[f + 1][k][i]) - 2 * (b[i] - model[f][k][i]) +
                             (a[i] - model[f - 1][k][i])));
      }
    }
  }
  if (d.size() < 20) return fallback;
  std::nth_element(d.begin(), d.begin() + d.size() / 2, d.end());
  return std::max(0.5, 1.4826 * d[d.size() / 2] / std::sqrt(6.0));
}

}  // namespace gaitlens::internal

#endif  // GAITLENS_SRC_MODEL_CYCLE_PRIOR_H_
