// The gait-cycle prior of the leg model (private): treadmill running repeats itself stride after
// stride, so each frame's joint angles are pulled softly towards the same leg's angles at the same
// phase of the neighbouring strides. It averages keypoint noise over several strides where
// frame-to-frame smoothing alone cannot (at 30 fps a swing lasts ten frames).
#ifndef GAITLENS_SRC_MODEL_CYCLE_PRIOR_H_
#define GAITLENS_SRC_MODEL_CYCLE_PRIOR_H_

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

// The keypoint noise (px, 1 sigma per coordinate) from the absolute x and y errors of a fit: their
// median absolute deviation about zero times 1.4826, at least 0.5 px; `fallback` when empty.
double NoiseFromAbsoluteErrors(std::vector<double> errors, double fallback);

}  // namespace gaitlens::internal

#endif  // GAITLENS_SRC_MODEL_CYCLE_PRIOR_H_
