#include "model/cycle_prior.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include <Eigen/Cholesky>
#include <Eigen/Core>

namespace gaitlens::internal {

namespace {

double Median(std::vector<double> v) {
  if (v.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
  return v[v.size() / 2];
}

// The durations of the half strides between consecutive events, by kind: [0] from an even
// event to the next, [1] from an odd one.
std::array<std::vector<double>, 2> HalfStrides(const std::vector<double>& events) {
  std::array<std::vector<double>, 2> of_kind;
  for (std::size_t j = 0; j + 1 < events.size(); ++j) {
    of_kind[j % 2].push_back(events[j + 1] - events[j]);
  }
  return of_kind;
}

// Periodic uniform cubic B-spline on [0, 1) with M coefficients: the 4 coefficient indices and
// weights at u.
void SplineBasis(double u, int M, std::array<int, 4>* index, std::array<double, 4>* weight) {
  const double x = u * M;
  const double fl = std::floor(x);
  const double s = x - fl;
  int i = static_cast<int>(fl) % M;
  if (i < 0) i += M;
  const double s2 = s * s, s3 = s2 * s;
  *weight = {(1 - s) * (1 - s) * (1 - s) / 6, (3 * s3 - 6 * s2 + 4) / 6,
             (-3 * s3 + 3 * s2 + 3 * s + 1) / 6, s3 / 6};
  *index = {i == 0 ? M - 1 : i - 1, i, i + 1 == M ? 0 : i + 1, i + 2 >= M ? i + 2 - M : i + 2};
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
  // The stride period is a peak of the autocorrelation in that range: a real peak, not the edge
  // of a slow decay (a runner standing and swaying, or a detector drifting, has a high
  // autocorrelation at every short lag).
  // Multiples of the period peak about as high: take the first peak nearly as high as the
  // highest.
  double highest = -1;
  for (int lag = lag_min; lag <= lag_max; ++lag) {
    if (r[lag] >= r[lag - 1] && r[lag] >= r[lag + 1]) highest = std::max(highest, r[lag]);
  }
  int best = -1;
  for (int lag = lag_min; lag <= lag_max && best < 0; ++lag) {
    if (r[lag] >= r[lag - 1] && r[lag] >= r[lag + 1] && r[lag] >= 0.9 * highest) best = lag;
  }
  if (best < 0 || r[best] < 0.5) return {};
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
  // A noisy stretch can cross the mean and back within a moment (both beyond the hysteresis):
  // such a pair is no half stride. Drop the pair around the shortest segment while it is under
  // a sixth of the period (half strides last about half of it).
  while (events.size() >= 3) {
    std::size_t shortest = 0;
    for (std::size_t k = 1; k + 1 < events.size(); ++k) {
      if (events[k + 1] - events[k] < events[shortest + 1] - events[shortest]) shortest = k;
    }
    if (events[shortest + 1] - events[shortest] >= best * dt / 6) break;
    events.erase(events.begin() + shortest, events.begin() + shortest + 2);
  }
  // Start with an upward crossing so that even indices are up, odd are down.
  if (!events.empty()) {
    // The first event is upward when the signal was low before it.
    double before = 0;
    for (int i = 0; i < n && times_s[i] < events[0]; ++i) before = x[i];
    if (before > 0) events.erase(events.begin());
  }
  if (events.size() < 8) return {};  // fewer than 3.5 strides
  // The crossings must repeat at about the period found.
  std::vector<double> strides;
  for (std::size_t k = 0; k + 2 < events.size(); ++k) strides.push_back(events[k + 2] - events[k]);
  const double stride = Median(strides);
  if (std::abs(stride - best * dt) > 0.3 * best * dt) return {};
  return events;
}


FramePhases PhasesFromEvents(const std::vector<double>& times_s, const std::vector<double>& events,
                             double tolerance) {
  const int n = static_cast<int>(times_s.size());
  FramePhases out;
  out.stride.assign(n, -1);
  out.phase.assign(n, 0.0);
  const int segments = static_cast<int>(events.size()) - 1;
  if (segments < 2) return out;
  std::vector<double> durations(segments), even, odd;
  for (int j = 0; j < segments; ++j) {
    durations[j] = events[j + 1] - events[j];
    (j % 2 == 0 ? even : odd).push_back(durations[j]);
  }
  const double median[2] = {Median(even), Median(odd)};
  out.num_strides = (segments + 1) / 2;
  for (int f = 0; f < n; ++f) {
    const auto it = std::upper_bound(events.begin(), events.end(), times_s[f]);
    const int j = static_cast<int>(it - events.begin()) - 1;
    if (j < 0 || j >= segments || !(durations[j] > 0)) continue;
    if (std::abs(durations[j] - median[j % 2]) > tolerance * median[j % 2]) continue;
    out.stride[f] = j / 2;
    out.phase[f] = (j % 2) + (times_s[f] - events[j]) / durations[j];
  }
  return out;
}

FramePhases ExtendPhasesToEnds(const std::vector<double>& times_s,
                               const std::vector<double>& events, FramePhases phases,
                               double spread) {
  const int count = static_cast<int>(events.size());
  phases.timing_sd_s.assign(times_s.size(), 0.0);
  if (count < 3 || phases.num_strides < 1) return phases;
  const std::array<std::vector<double>, 2> of_kind = HalfStrides(events);
  const double median[2] = {Median(of_kind[0]), Median(of_kind[1])};
  phases.half_stride_s = {median[0], median[1]};
  // Before the first event (an even one) run an odd half stride and an even one; after the
  // last, one of the kind after it and one of the other.
  const int after_kind = (count - 1) % 2;
  const int last_stride = std::min((count - 1) / 2, phases.num_strides - 1);
  for (std::size_t f = 0; f < times_s.size(); ++f) {
    const double t = times_s[f];
    if (t < events.front()) {
      double end = events.front();
      for (int h = 0; h < 2; ++h) {
        const int kind = h % 2 == 0 ? 1 : 0;
        const double start = end - median[kind];
        if (t >= start) {
          phases.stride[f] = 0;
          phases.phase[f] = kind + (t - start) / median[kind];
          phases.timing_sd_s[f] = spread * (events.front() - t);
          break;
        }
        end = start;
      }
    } else if (t >= events.back()) {
      double start = events.back();
      for (int h = 0; h < 2; ++h) {
        const int kind = (after_kind + h) % 2;
        if (t < start + median[kind]) {
          phases.stride[f] = last_stride;
          phases.phase[f] = kind + (t - start) / median[kind];
          phases.timing_sd_s[f] = spread * (t - events.back());
          break;
        }
        start += median[kind];
      }
    }
  }
  return phases;
}

double HalfStrideSpread(const std::vector<double>& events) {
  double sum = 0;
  for (const std::vector<double>& durations : HalfStrides(events)) {
    if (durations.size() < 3) return 0;
    const double median = Median(durations);
    std::vector<double> deviation;
    for (double d : durations) deviation.push_back(std::abs(d - median));
    sum += median > 0 ? 1.4826 * Median(deviation) / median : 0;
  }
  return sum / 2;
}

double TimingDeviation(const StrideTemplates& templates, int stride, double phase,
                       const FramePhases& phases, int f) {
  if (f < 0 || f >= static_cast<int>(phases.timing_sd_s.size()) || !(phases.timing_sd_s[f] > 0)) {
    return 0;
  }
  const double duration =
      phases.half_stride_s[static_cast<int>(std::floor(phase)) % 2 == 0 ? 0 : 1];
  if (!(duration > 0)) return 0;
  return std::abs(templates.Slope(stride, phase)) / duration * phases.timing_sd_s[f];
}

StrideTemplates::StrideTemplates(const FramePhases& phases, const std::vector<double>& values,
                                 int neighbours, int knots, double roughness)
    : knots_(knots), coefficients_(phases.num_strides) {
  const int M = knots;
  const int strides = phases.num_strides;
  if (M < 4 || strides < 3) return;
  // Normal equations per stride (the basis has 4 non-zeros per sample).
  std::vector<Eigen::MatrixXd> A(strides, Eigen::MatrixXd::Zero(M, M));
  std::vector<Eigen::VectorXd> b(strides, Eigen::VectorXd::Zero(M));
  std::vector<int> count(strides, 0);
  std::array<int, 4> index;
  std::array<double, 4> weight;
  for (std::size_t f = 0; f < values.size(); ++f) {
    const int s = phases.stride[f];
    if (s < 0 || std::isnan(values[f])) continue;
    SplineBasis(0.5 * phases.phase[f], M, &index, &weight);
    for (int k = 0; k < 4; ++k) {
      for (int l = 0; l < 4; ++l) A[s](index[k], index[l]) += weight[k] * weight[l];
      b[s](index[k]) += weight[k] * values[f];
    }
    ++count[s];
  }
  // Roughness: squared second differences of the periodic coefficients.
  Eigen::MatrixXd R = Eigen::MatrixXd::Zero(M, M);
  for (int i = 0; i < M; ++i) {
    const int idx[3] = {(i + M - 1) % M, i, (i + 1) % M};
    const double c[3] = {1, -2, 1};
    for (int k = 0; k < 3; ++k) {
      for (int l = 0; l < 3; ++l) R(idx[k], idx[l]) += c[k] * c[l];
    }
  }
  // Window sums by a running total: add the stride entering, drop the one leaving.
  Eigen::MatrixXd window_A = Eigen::MatrixXd::Zero(M, M);
  Eigen::VectorXd window_b = Eigen::VectorXd::Zero(M);
  int window_count = 0, window_strides = 0;
  int low = 0, high = -1;  // strides in the window: [low, high]
  for (int s = 0; s < strides; ++s) {
    while (high < std::min(strides - 1, s + neighbours)) {
      ++high;
      window_A += A[high];
      window_b += b[high];
      window_count += count[high];
      window_strides += count[high] > 0 ? 1 : 0;
    }
    while (low < s - neighbours) {
      window_A -= A[low];
      window_b -= b[low];
      window_count -= count[low];
      window_strides -= count[low] > 0 ? 1 : 0;
      ++low;
    }
    const int samples = window_count - count[s];
    const int used = window_strides - (count[s] > 0 ? 1 : 0);
    if (used < 2 || samples < M) continue;
    const Eigen::MatrixXd AA = window_A - A[s] + roughness * samples / M * R;
    const Eigen::LDLT<Eigen::MatrixXd> ldlt(AA);
    if (ldlt.info() != Eigen::Success) continue;
    const Eigen::VectorXd c = ldlt.solve(window_b - b[s]);
    if (!c.allFinite()) continue;
    coefficients_[s].assign(c.data(), c.data() + M);
  }
}

bool StrideTemplates::Has(int stride) const {
  return stride >= 0 && stride < static_cast<int>(coefficients_.size()) && !coefficients_[stride].empty();
}

StrideTemplates::Point StrideTemplates::At(double phase) const {
  Point p;
  double u = 0.5 * phase;
  u -= std::floor(u);
  SplineBasis(u, knots_, &p.index, &p.weight);
  return p;
}

double StrideTemplates::Evaluate(int stride, const Point& p) const {
  const std::vector<double>& c = coefficients_[stride];
  return p.weight[0] * c[p.index[0]] + p.weight[1] * c[p.index[1]] + p.weight[2] * c[p.index[2]] +
         p.weight[3] * c[p.index[3]];
}

double StrideTemplates::Evaluate(int stride, double phase) const { return Evaluate(stride, At(phase)); }

double StrideTemplates::Slope(int stride, double phase) const {
  // d/du of the cubic B-spline's weights at s in the knot span, times du/dphase = M / 2.
  double u = 0.5 * phase;
  u -= std::floor(u);
  const double x = u * knots_;
  const double s = x - std::floor(x);
  Point p = At(phase);
  const std::array<double, 4> slope = {-0.5 * (1 - s) * (1 - s), 0.5 * (3 * s * s - 4 * s),
                                       0.5 * (-3 * s * s + 2 * s + 1), 0.5 * s * s};
  const std::vector<double>& c = coefficients_[stride];
  double total = 0;
  for (int k = 0; k < 4; ++k) total += slope[k] * c[p.index[k]];
  return 0.5 * knots_ * total;
}

std::vector<double> PhaseTemplate(const std::vector<double>& times_s,
                                  const std::vector<double>& values,
                                  const std::vector<double>& events, int neighbours, int knots,
                                  std::vector<double>* timing, double roughness) {
  std::vector<double> out(values.size(), std::numeric_limits<double>::quiet_NaN());
  const FramePhases fitted = PhasesFromEvents(times_s, events);
  const StrideTemplates templates(fitted, values, neighbours, knots, roughness);
  const FramePhases phases =
      timing != nullptr ? ExtendPhasesToEnds(times_s, events, fitted, HalfStrideSpread(events))
                        : fitted;
  if (timing != nullptr) timing->assign(values.size(), 0.0);
  for (std::size_t f = 0; f < values.size(); ++f) {
    if (!templates.Has(phases.stride[f])) continue;
    out[f] = templates.Evaluate(phases.stride[f], phases.phase[f]);
    if (timing != nullptr) {
      (*timing)[f] = TimingDeviation(templates, phases.stride[f], phases.phase[f], phases,
                                     static_cast<int>(f));
    }
  }
  return out;
}

std::vector<double> DriftingPhaseTemplate(const std::vector<double>& times_s,
                                          const std::vector<double>& values,
                                          const std::vector<double>& events, int neighbours,
                                          int knots, int trend_passes, std::vector<double>* timing,
                                          double roughness) {
  std::vector<double> trend = StrideTrend(times_s, values, events);
  for (int pass = 1; pass < trend_passes; ++pass) trend = StrideTrend(times_s, trend, events);
  std::vector<double> detrended(values.size());
  for (std::size_t f = 0; f < values.size(); ++f) detrended[f] = values[f] - trend[f];
  std::vector<double> templ =
      PhaseTemplate(times_s, detrended, events, neighbours, knots, timing, roughness);
  for (std::size_t f = 0; f < values.size(); ++f) templ[f] += trend[f];  // NaN stays NaN
  return templ;
}

std::vector<double> RegisterEvents(const std::vector<double>& times_s,
                                   const std::vector<std::vector<double>>& signals,
                                   const std::vector<double>& weights, std::vector<double> events,
                                   int neighbours, int iterations, double search,
                                   double roughness) {
  const int count = static_cast<int>(events.size());
  if (count < 8 || signals.empty()) return events;
  std::vector<double> strides;
  for (int k = 0; k + 2 < count; k += 2) strides.push_back(events[k + 2] - events[k]);
  const double span = search * Median(strides);
  const std::vector<double> start = events;
  constexpr int kSteps = 17;
  for (int iteration = 0; iteration < iterations; ++iteration) {
    const FramePhases phases = PhasesFromEvents(times_s, events);
    std::vector<StrideTemplates> templates;
    for (const std::vector<double>& s : signals)
      templates.emplace_back(phases, s, neighbours, 32, roughness);
    const std::array<std::vector<double>, 2> of_kind = HalfStrides(events);
    const double median[2] = {Median(of_kind[0]), Median(of_kind[1])};
    std::vector<double> moved = events;
    for (int k = 0; k < count; ++k) {
      // The half strides around event k; the first and the last event have one inside the
      // events and one at the clip's end, taken to last the median (ExtendPhasesToEnds).
      const bool first_event = k == 0, last_event = k + 1 == count;
      const int kind_before = first_event ? 1 : (k - 1) % 2;
      const int before = first_event ? 0 : (k - 1) / 2;
      const int after = std::min(k / 2, phases.num_strides - 1);
      bool usable = true;
      for (const StrideTemplates& t : templates) usable = usable && t.Has(before) && t.Has(after);
      if (!usable) continue;
      // Gauss-Seidel: the left one has moved.
      const auto start_of = [&](double c) { return first_event ? c - median[1] : moved[k - 1]; };
      const auto end_of = [&](double c) { return last_event ? c + median[k % 2] : events[k + 1]; };
      const auto first =
          std::upper_bound(times_s.begin(), times_s.end(), start_of(events[k] - span)) -
          times_s.begin();
      const auto last = std::lower_bound(times_s.begin(), times_s.end(), end_of(events[k] + span)) -
                        times_s.begin();
      if (last - first < 3) continue;
      auto cost = [&](double c) {
        // A mean over the frames: at the ends, how many of them fall inside can change with c.
        const double a = start_of(c), b = end_of(c);
        double total = 0, used = 0;
        for (auto f = first; f < last; ++f) {
          const double t = times_s[f];
          if (t <= a || t >= b) continue;
          ++used;
          const bool early = t < c;
          const double phase = early ? kind_before + (t - a) / (c - a) : k % 2 + (t - c) / (b - c);
          const int stride = early ? before : after;
          const StrideTemplates::Point point = templates[0].At(phase);  // the same knots for all
          for (std::size_t i = 0; i < signals.size(); ++i) {
            const double v = signals[i][f];
            if (std::isnan(v)) continue;
            const double e = v - templates[i].Evaluate(stride, point);
            total += weights[i] * e * e;
          }
        }
        return used > 0 ? total / used : std::numeric_limits<double>::infinity();
      };
      const double a = first_event ? -std::numeric_limits<double>::infinity() : moved[k - 1];
      const double b = last_event ? std::numeric_limits<double>::infinity() : events[k + 1];
      const double margin = 0.1 * (end_of(events[k]) - start_of(events[k]));
      std::array<double, kSteps> grid, costs;
      int best = -1;
      for (int i = 0; i < kSteps; ++i) {
        grid[i] = events[k] + span * (2.0 * i / (kSteps - 1) - 1);
        costs[i] = grid[i] > a + margin && grid[i] < b - margin ? cost(grid[i])
                                                               : std::numeric_limits<double>::infinity();
        if (std::isfinite(costs[i]) && (best < 0 || costs[i] < costs[best])) best = i;
      }
      if (best < 0) continue;
      double c = grid[best];
      if (best > 0 && best + 1 < kSteps && std::isfinite(costs[best - 1]) && std::isfinite(costs[best + 1])) {
        const double denominator = costs[best - 1] - 2 * costs[best] + costs[best + 1];
        if (denominator > 0) c += 0.5 * (costs[best - 1] - costs[best + 1]) / denominator * (grid[1] - grid[0]);
      }
      moved[k] = c;
    }
    // Only the strides' timing relative to each other is observable: a shift common to all
    // events of a kind around a stride could drift from iteration to iteration. Keep the local
    // mean of each kind's moves from the starting events at zero.
    std::vector<double> shift(count);
    for (int k = 0; k < count; ++k) shift[k] = moved[k] - start[k];
    for (int k = 0; k < count; ++k) {
      double sum = 0;
      int used = 0;
      for (int o = k - 2 * neighbours; o <= k + 2 * neighbours; o += 2) {
        if (o < 0 || o >= count) continue;
        sum += shift[o];
        ++used;
      }
      moved[k] = start[k] + shift[k] - sum / used;
    }
    // Keep the order: a move is bounded well inside the half strides, but if the events came
    // out of order anyway, this sweep is dropped.
    bool ordered = true;
    for (int k = 1; k < count; ++k) ordered = ordered && moved[k] > moved[k - 1];
    if (!ordered) break;
    events = moved;
  }
  return events;
}

std::vector<double> StrideTrend(const std::vector<double>& times_s,
                                const std::vector<double>& values,
                                const std::vector<double>& events) {
  const int n = static_cast<int>(values.size());
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (n == 0 || times_s.size() != values.size()) return std::vector<double>(n, nan);
  // The signal, piecewise linear in time, with missing values bridged linearly.
  std::vector<double> v(values);
  int last = -1;
  for (int f = 0; f < n; ++f) {
    if (!std::isfinite(v[f])) continue;
    for (int g = last + 1; g < f; ++g) {
      v[g] = last < 0 ? v[f]
                      : v[last] + (v[f] - v[last]) * (times_s[g] - times_s[last]) /
                                      std::max(1e-12, times_s[f] - times_s[last]);
    }
    last = f;
  }
  if (last < 0) return std::vector<double>(n, nan);
  for (int g = last + 1; g < n; ++g) v[g] = v[last];
  // Its integral from the first frame (trapezoids), and at any time inside the clip.
  std::vector<double> integral(n, 0.0);
  for (int f = 1; f < n; ++f) {
    integral[f] = integral[f - 1] + 0.5 * (v[f] + v[f - 1]) * (times_s[f] - times_s[f - 1]);
  }
  auto integral_at = [&](double t) {
    const int j =
        static_cast<int>(std::upper_bound(times_s.begin(), times_s.end(), t) - times_s.begin()) - 1;
    if (j < 0) return 0.0;
    if (j >= n - 1) return integral[n - 1];
    const double u = (t - times_s[j]) / std::max(1e-12, times_s[j + 1] - times_s[j]);
    const double at_t = v[j] + u * (v[j + 1] - v[j]);
    return integral[j] + 0.5 * (v[j] + at_t) * (t - times_s[j]);
  };
  std::vector<double> periods;
  for (std::size_t i = 2; i < events.size(); ++i) periods.push_back(events[i] - events[i - 2]);
  const double period = Median(periods);
  const double span = times_s.back() - times_s.front();
  if (!(period > 0) || !(span >= period)) {
    const double mean = span > 0 ? integral[n - 1] / span : v[0];
    return std::vector<double>(n, mean);
  }
  // The mean over [t - period / 2, t + period / 2] where that is inside the clip. Within half a
  // period of either end, the trend of the first (last) whole window carried on with the slope
  // between it and the next (previous) one, so that a steady drift (a walker crossing the image)
  // is not flattened there; with less than two periods, the window is just moved inside.
  const auto window_mean = [&](double start) {
    return (integral_at(start + period) - integral_at(start)) / period;
  };
  const double first_centre = times_s.front() + 0.5 * period,
               last_centre = times_s.back() - 0.5 * period;
  const bool extrapolate = span >= 2 * period;
  const double first_mean = window_mean(times_s.front()),
               last_mean = window_mean(times_s.back() - period);
  const double first_slope =
      extrapolate ? (window_mean(times_s.front() + period) - first_mean) / period : 0.0;
  const double last_slope =
      extrapolate ? (last_mean - window_mean(times_s.back() - 2 * period)) / period : 0.0;
  std::vector<double> trend(n);
  for (int f = 0; f < n; ++f) {
    const double t = times_s[f];
    if (t < first_centre) {
      trend[f] = first_mean + first_slope * (t - first_centre);
    } else if (t > last_centre) {
      trend[f] = last_mean + last_slope * (t - last_centre);
    } else {
      trend[f] = window_mean(t - 0.5 * period);
    }
  }
  return trend;
}

double AllowedDeviation(const std::vector<double>& values, const std::vector<double>& templ,
                        const std::vector<double>& noise_variance, double floor, double factor) {
  std::vector<double> squared;
  double noise = 0;
  for (std::size_t f = 0; f < values.size() && f < templ.size(); ++f) {
    if (std::isnan(templ[f]) || std::isnan(values[f])) continue;
    squared.push_back((values[f] - templ[f]) * (values[f] - templ[f]));
    if (f < noise_variance.size()) noise += noise_variance[f];
  }
  if (squared.size() < 20) return floor;
  const double spread = Median(squared) / 0.455, explained = noise / static_cast<double>(squared.size());
  // Where the noise explains most of the spread the difference says little (and the noise is
  // estimated, not known): keep the floor unless the spread is at least twice the noise.
  if (spread < 2 * explained) return floor;
  return std::max(floor, factor * std::sqrt(spread - explained));
}

}  // namespace gaitlens::internal
