#include "model/cycle_prior.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace gaitlens::internal {

namespace {

double Median(std::vector<double> v) {
  if (v.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
  return v[v.size() / 2];
}

// Linear interpolation of values at time t; NaN outside the samples.
double Interpolate(const std::vector<double>& times, const std::vector<double>& values, double t) {
  if (times.empty() || t < times.front() || t > times.back()) return std::numeric_limits<double>::quiet_NaN();
  const auto it = std::upper_bound(times.begin(), times.end(), t);
  if (it == times.end()) return values.back();
  const std::size_t j = static_cast<std::size_t>(it - times.begin());
  if (j == 0) return values.front();
  const double span = times[j] - times[j - 1];
  const double u = span > 0 ? (t - times[j - 1]) / span : 0.0;
  return values[j - 1] + u * (values[j] - values[j - 1]);
}

}  // namespace

std::vector<double> StrideEvents(const std::vector<double>& times_s, const std::vector<double>& signal,
                                 double min_period_s, double max_period_s) {
  const int n = static_cast<int>(signal.size());
  if (n < 16 || times_s.size() != signal.size()) return {};
  const double dt = (times_s.back() - times_s.front()) / (n - 1);
  if (!(dt > 0)) return {};
  double mean = 0;
  for (double v : signal) mean += v / n;
  std::vector<double> x(n);
  double energy = 0;
  for (int i = 0; i < n; ++i) {
    x[i] = signal[i] - mean;
    energy += x[i] * x[i];
  }
  if (!(energy > 0)) return {};
  // Normalised autocorrelation over the plausible stride periods.
  const int lag_min = std::max(2, static_cast<int>(std::floor(min_period_s / dt)));
  const int lag_max = std::min(n / 2, static_cast<int>(std::ceil(max_period_s / dt)));
  if (lag_max <= lag_min + 1) return {};
  std::vector<double> r(lag_max + 2, -1.0);
  for (int lag = lag_min - 1; lag <= lag_max + 1 && lag < n; ++lag) {
    double sum = 0, a = 0, b = 0;
    for (int i = 0; i + lag < n; ++i) {
      sum += x[i] * x[i + lag];
      a += x[i] * x[i];
      b += x[i + lag] * x[i + lag];
    }
    r[lag] = a > 0 && b > 0 ? sum / std::sqrt(a * b) : -1.0;
  }
  int best = lag_min;
  for (int lag = lag_min; lag <= lag_max; ++lag) {
    if (r[lag] > r[best]) best = lag;
  }
  if (r[best] < 0.5) return {};
  // Events: where the signal crosses its mean, up and down, alternately. A crossing is steep
  // where a peak is flat, so its time is several times less sensitive to noise. Hysteresis of
  // a fifth of the signal's spread keeps noise from adding crossings.
  std::vector<double> sorted = x;
  std::sort(sorted.begin(), sorted.end());
  const double spread = sorted[n * 9 / 10] - sorted[n / 10];
  const double h = 0.2 * spread;
  std::vector<double> events;
  int state = x[0] > h ? 1 : x[0] < -h ? -1 : 0;
  int last_zero = 0;  // last index where the sign of x changed
  for (int i = 1; i < n; ++i) {
    if ((x[i - 1] < 0) != (x[i] < 0)) last_zero = i;
    const int now = x[i] > h ? 1 : x[i] < -h ? -1 : state;
    if (now != state && state != 0) {
      // The zero crossing between last_zero - 1 and last_zero, linearly interpolated.
      const int j = std::max(1, last_zero);
      const double a = x[j - 1], b = x[j];
      const double u = a != b ? a / (a - b) : 0.5;
      const double t = times_s[j - 1] + std::clamp(u, 0.0, 1.0) * (times_s[j] - times_s[j - 1]);
      events.push_back(t);
    }
    state = now;
  }
  // Start with an upward crossing so that even indices are up, odd are down.
  if (!events.empty()) {
    // The first event is upward when the signal was low before it.
    double before = 0;
    for (int i = 0; i < n && times_s[i] < events[0]; ++i) before = x[i];
    if (before > 0) events.erase(events.begin());
  }
  if (events.size() < 8) return {};  // fewer than 4 strides
  return events;
}

std::vector<double> CycleTemplate(const std::vector<double>& times_s, const std::vector<double>& values,
                                  const std::vector<double>& events, int neighbours, double wrap) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> out(values.size(), nan);
  // Segments between consecutive events (half strides: up to down, down to up). The same phase
  // k strides away is 2k segments away.
  const int segments = static_cast<int>(events.size()) - 1;
  if (segments < 6) return out;
  std::vector<double> durations(segments);
  std::vector<double> even, odd;
  for (int j = 0; j < segments; ++j) {
    durations[j] = events[j + 1] - events[j];
    (j % 2 == 0 ? even : odd).push_back(durations[j]);
  }
  const double median[2] = {Median(even), Median(odd)};
  auto regular = [&](int j) {
    return j >= 0 && j < segments && std::abs(durations[j] - median[j % 2]) <= 0.2 * median[j % 2];
  };
  for (std::size_t f = 0; f < values.size(); ++f) {
    const double t = times_s[f];
    const auto it = std::upper_bound(events.begin(), events.end(), t);
    const int j = static_cast<int>(it - events.begin()) - 1;  // events[j] <= t < events[j + 1]
    if (!regular(j)) continue;
    const double phase = (t - events[j]) / durations[j];
    double sum = 0;
    int count = 0;
    for (int k = -neighbours; k <= neighbours; ++k) {
      const int other = j + 2 * k;
      if (k == 0 || !regular(other)) continue;
      double v = Interpolate(times_s, values, events[other] + phase * durations[other]);
      if (std::isnan(v)) continue;
      if (wrap > 0) v += wrap * std::round((values[f] - v) / wrap);  // same branch as this frame
      sum += v;
      ++count;
    }
    if (count >= 2) out[f] = sum / count;
  }
  return out;
}

}  // namespace gaitlens::internal
