// The gait-cycle prior of the leg model (private): treadmill running repeats itself stride after
// stride, so each frame's joint angles are pulled softly towards the same leg's angles at the same
// phase of the neighbouring strides. It averages keypoint noise over several strides where
// frame-to-frame smoothing alone cannot (at 30 fps a swing lasts ten frames).
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
// times are several times less sensitive to noise. Empty when the signal is not periodic
// (normalised autocorrelation below 0.5 at every lag between min_period_s and max_period_s) or
// shows fewer than 4 strides.
std::vector<double> StrideEvents(const std::vector<double>& times_s, const std::vector<double>& signal,
                                 double min_period_s = 0.45, double max_period_s = 1.6);

// The cycle template of `values` (one sample per frame at times_s): for each frame, the mean of
// the values at the same phase of up to `neighbours` strides before and after (phase = fraction
// of the way from one event to the next, i.e. piecewise-linear time warping over half strides;
// values interpolated linearly in time). Half strides whose duration differs from the median of
// their kind by more than 20 % are not used. NaN where fewer than 2 neighbours are available.
// With wrap > 0 (2 pi for angles) each neighbour's value is first moved by a multiple of wrap to
// the branch nearest this frame's value: a sole angle near +-pi may sit on different branches in
// different strides.
std::vector<double> CycleTemplate(const std::vector<double>& times_s, const std::vector<double>& values,
                                  const std::vector<double>& events, int neighbours = 2, double wrap = 0);

// The detector's frame-to-frame jitter (px, 1 sigma per coordinate) from the observed keypoints
// themselves: second differences x[f+1] - 2 x[f] + x[f-1] of points seen in three consecutive
// frames have 6 sigma^2 variance for white jitter; their median absolute value (x 1.4826) over all
// points and coordinates, / sqrt(6). Unlike the fit's residuals it does not count the model's own
// mismatch as noise, so smooth real keypoints give a small value. At least 0.5 px; `fallback`
// with fewer than 20 triples. observed[f][k] = {x, y, confidence (<= 0: not seen)}.
template <std::size_t K>
double KeypointJitterPx(const std::vector<std::array<std::array<double, 3>, K>>& observed, double fallback) {
  std::vector<double> d;
  for (std::size_t f = 1; f + 1 < observed.size(); ++f) {
    for (std::size_t k = 0; k < K; ++k) {
      const auto& a = observed[f - 1][k];
      const auto& b = observed[f][k];
      const auto& c = observed[f + 1][k];
      if (a[2] <= 0 || b[2] <= 0 || c[2] <= 0) continue;
      for (int i = 0; i < 2; ++i) d.push_back(std::abs(c[i] - 2 * b[i] + a[i]));
    }
  }
  if (d.size() < 20) return fallback;
  std::nth_element(d.begin(), d.begin() + d.size() / 2, d.end());
  return std::max(0.5, 1.4826 * d[d.size() / 2] / std::sqrt(6.0));
}

}  // namespace gaitlens::internal

#endif  // GAITLENS_SRC_MODEL_CYCLE_PRIOR_H_
