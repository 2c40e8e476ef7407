#include "model/leg_identity.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include "model/cycle_prior.h"
#include "model/fit_util.h"

namespace gaitlens::internal {

namespace {

constexpr int kNumLegPoints = 12;  // canonical hips .. small toes, left/right interleaved

void ExchangeLegs(PoseSequence* poses, int frame) {
  for (int k = 0; k < kNumLegPoints; k += 2) std::swap(poses->at(frame, k), poses->at(frame, k + 1));
}

// Point k of frame f as labelled under state s (0 = as given, 1 = exchanged).
const Keypoint& Labelled(const PoseSequence& poses, int f, int k, int s) {
  return poses.at(f, s == 0 ? k : (k ^ 1));
}

// The stride period around each frame, from a signal that does not depend on the labels: the two
// ankles' horizontal distance, which repeats every step (half a stride). Per frame twice the
// median of the step periods among the (up to) eight nearest events, so that a runner who changes
// pace keeps references in phase. Empty when the motion is not periodic.
std::vector<double> LabelFreeStridePeriods(const PoseSequence& poses, double min_confidence) {
  const int n = poses.num_frames();
  if (n < 16) return {};
  std::vector<double> distance(n, std::numeric_limits<double>::quiet_NaN());
  int seen = 0;
  for (int f = 0; f < n; ++f) {
    const Keypoint& left = poses.at(f, 4);
    const Keypoint& right = poses.at(f, 5);
    if (left.confidence < min_confidence || right.confidence < min_confidence) continue;
    distance[f] = std::abs(left.x - right.x);
    ++seen;
  }
  if (seen == 0 || seen < n / 2) return {};
  InterpolateGaps(&distance, 0.0);  // StrideEvents wants a value in every frame
  const std::vector<double> events = StrideEvents(poses.timestamps_s, distance, 0.2, 0.8);
  if (events.size() < 3) return {};
  const int num_periods =
      static_cast<int>(events.size()) - 2;  // period i: events[i + 2] - events[i]
  std::vector<double> periods(n);
  int nearest = 0;
  for (int f = 0; f < n; ++f) {
    const double t = poses.timestamps_s[f];
    while (nearest + 1 < num_periods && events[nearest + 1] + events[nearest + 3] < 2 * t)
      ++nearest;
    const int from = std::clamp(nearest - 3, 0, std::max(0, num_periods - 8));
    std::array<double, 8> local;
    int count = 0;
    for (int i = from; i < num_periods && count < 8; ++i)
      local[count++] = events[i + 2] - events[i];
    std::nth_element(local.begin(), local.begin() + count / 2, local.begin() + count);
    periods[f] = 2 * local[count / 2];
  }
  return periods;
}

// The middle of values[0..count): the mean of the two middle ones for an even count.
double MiddleValue(std::array<double, 4>* values, int count) {
  std::sort(values->begin(), values->begin() + count);
  return count % 2 == 1 ? (*values)[count / 2]
                        : 0.5 * ((*values)[count / 2 - 1] + (*values)[count / 2]);
}

// Periodicity evidence for the labels: cost[f][c] for labelling frame f with state c (0 = as
// given, 1 = exchanged) is how far its leg points, relative to the mid-hip, are from where the
// same-labelled leg was one and two strides before and after (the median of those, under the
// current labels `labels`), robust and capped. A stretch whose labels were swapped by the
// detector shows each leg where the other was a stride away: half a stride out of phase.
std::vector<std::array<double, 2>> PeriodicityCost(const PoseSequence& poses,
                                                   const std::vector<int>& labels,
                                                   const std::vector<double>& periods_s,
                                                   double min_confidence, double cap) {
  const int n = poses.num_frames();
  std::vector<std::array<double, 2>> cost(n, {0.0, 0.0});
  const std::vector<double>& times = poses.timestamps_s;
  auto seen = [&](const Keypoint& p) { return p.confidence >= min_confidence; };
  // Leg point k of frame f under its label, relative to the mid-hip; false if not seen.
  auto relative = [&](int f, int k, int state, double* x, double* y) {
    const Keypoint& hip_l = poses.at(f, 0);
    const Keypoint& hip_r = poses.at(f, 1);
    const Keypoint& p = Labelled(poses, f, k, state);
    if (!seen(hip_l) || !seen(hip_r) || !seen(p)) return false;
    *x = p.x - 0.5 * (hip_l.x + hip_r.x);
    *y = p.y - 0.5 * (hip_l.y + hip_r.y);
    return true;
  };
  for (int f = 0; f < n; ++f) {
    std::array<int, 4> references;
    int count = 0;
    for (int m : {-2, -1, 1, 2}) {
      const double t = times[f] + m * periods_s[f];
      if (t < times.front() || t > times.back()) continue;
      int g = static_cast<int>(std::lower_bound(times.begin(), times.end(), t) - times.begin());
      if (g > 0 && (g == n || t - times[g - 1] < times[g] - t)) --g;
      references[count++] = g;
    }
    if (count < 2) continue;
    for (int k = 2; k < kNumLegPoints; k += 2) {  // knees to toes, left and right
      // The median reference of each labelled leg point, where at least two are seen.
      double reference[2][2];
      bool known[2];
      for (int side = 0; side < 2; ++side) {
        std::array<double, 4> xs, ys;
        int found = 0;
        for (int r = 0; r < count; ++r) {
          if (relative(references[r], k + side, labels[references[r]], &xs[found], &ys[found]))
            ++found;
        }
        known[side] = found >= 2;
        if (!known[side]) continue;
        reference[side][0] = MiddleValue(&xs, found);
        reference[side][1] = MiddleValue(&ys, found);
      }
      if (!known[0] && !known[1]) continue;
      // Each detection seen votes on its own: a leg hidden by the treadmill's console is hidden
      // at the same phase of every stride, so where one leg's point is seen alone, usually only
      // that leg's reference is known. Labelled as a leg whose reference is unknown it costs
      // the cap, as far off as the evidence can say.
      for (int raw = 0; raw < 2; ++raw) {
        double x, y;
        if (!relative(f, k + raw, 0, &x, &y)) continue;
        for (int c = 0; c < 2; ++c) {
          const int side = raw ^ c;  // the leg that state c labels this detection as
          cost[f][c] += known[side] ? std::min(cap, std::pow(x - reference[side][0], 2) +
                                                        std::pow(y - reference[side][1], 2))
                                    : cap;
        }
      }
    }
  }
  return cost;
}

}  // namespace

double EstimateLegLength(const PoseSequence& p, double min_confidence) {
  std::vector<double> lengths;
  for (int f = 0; f < p.num_frames(); ++f) {
    for (int side = 0; side < 2; ++side) {
      const Keypoint& hip = p.at(f, side), &knee = p.at(f, 2 + side), &ankle = p.at(f, 4 + side);
      if (hip.confidence < min_confidence || knee.confidence < min_confidence ||
          ankle.confidence < min_confidence) {
        continue;
      }
      lengths.push_back(std::hypot(hip.x - knee.x, hip.y - knee.y) +
                        std::hypot(knee.x - ankle.x, knee.y - ankle.y));
    }
  }
  if (lengths.empty()) return 0;
  std::nth_element(lengths.begin(), lengths.begin() + lengths.size() / 2, lengths.end());
  return lengths[lengths.size() / 2];
}

LegIdentityResult ResolveLegIdentity(PoseSequence* poses, double leg_px, double min_confidence) {
  const int n = poses->num_frames();
  LegIdentityResult result;
  result.relabelled.assign(n, false);
  result.knees_merged.assign(n, false);
  if (n == 0) return result;

  // Both knees on one spot: the labels carry no information; drop both detections.
  for (int f = 0; f < n; ++f) {
    Keypoint& left = poses->at(f, 2);
    Keypoint& right = poses->at(f, 3);
    if (left.confidence >= min_confidence && right.confidence >= min_confidence &&
        std::hypot(left.x - right.x, left.y - right.y) < 0.02 * leg_px) {
      result.knees_merged[f] = true;
      left = Keypoint{};
      right = Keypoint{};
    }
  }

  const double cap = std::pow(0.25 * leg_px, 2);
  // Price of each exchanged frame, per second of exchanged labels: the detector's own labels are
  // right most of the time (it sees which leg is which), so continuity alone must not flip a
  // long stretch. At 30 fps a frame costs 0.1 cap: a short detector swap, whose start and end
  // each break both tracks by up to several caps, is still undone, while a spurious flip where
  // the legs cross (constant-velocity predictions of a fast swing foot are poor) is not
  // carried on for the rest of the clip. Per second, not per frame, so that swaps of the same
  // duration are judged alike at 30 and 240 fps.
  std::vector<double> frame_s(n, 1.0 / 30);
  for (int f = 1; f < n; ++f) {
    frame_s[f] = std::clamp(poses->timestamps_s[f] - poses->timestamps_s[f - 1], 1e-4, 0.2);
  }
  if (n > 1) frame_s[0] = frame_s[1];
  constexpr double kExchangePricePerSecond = 3.0;  // in caps
  constexpr double kPeriodicityWeight = 0.5;
  constexpr int kPeriodicityPasses = 3;
  // Cost of labelling frame f with state c, given states a (f-2) and b (f-1): each leg point
  // detected now is compared with the constant-velocity prediction of the track it would join.
  // A point counts only when both tracks can be predicted, so that both labellings are judged
  // on the same evidence; a point seen on one leg only (the other occluded) still votes.
  auto seen = [&](const Keypoint& p) { return p.confidence >= min_confidence; };
  auto predict = [&](int f, int track_point, int a, int b, double* px, double* py) {
    if (f == 0) return false;
    const Keypoint& p1 = Labelled(*poses, f - 1, track_point, b);
    if (!seen(p1)) return false;
    *px = p1.x;
    *py = p1.y;
    if (f >= 2) {
      const Keypoint& p2 = Labelled(*poses, f - 2, track_point, a);
      if (seen(p2)) {
        *px = 2 * p1.x - p2.x;
        *py = 2 * p1.y - p2.y;
      }
    }
    return true;
  };
  // Optional per-frame evidence from the stride pattern (PeriodicityCost), times its weight.
  std::vector<std::array<double, 2>> unary(n, {0.0, 0.0});
  auto cost = [&](int f, int a, int b, int c) {
    double total = (c == 1 ? kExchangePricePerSecond * cap * frame_s[f] : 0.0) + unary[f][c];
    for (int k = 2; k < kNumLegPoints; k += 2) {  // knees to toes (hips coincide in side views)
      double px[2], py[2];
      if (!predict(f, k, a, b, &px[0], &py[0]) || !predict(f, k + 1, a, b, &px[1], &py[1]))
        continue;
      for (int raw = 0; raw < 2; ++raw) {
        const Keypoint& now = poses->at(f, k + raw);
        if (!seen(now)) continue;
        const int track = raw ^ c;
        total += std::min(cap, std::pow(now.x - px[track], 2) + std::pow(now.y - py[track], 2));
      }
    }
    return total;
  };

  // dp over states (b, c) = (state of f-1, state of f), index 2 * b + c.
  constexpr double kInf = std::numeric_limits<double>::infinity();
  std::vector<std::array<double, 4>> dp(n);
  std::vector<std::array<int, 4>> back(n);
  std::vector<int> labels(n, 0);
  const auto viterbi = [&]() {
    for (int c = 0; c < 2; ++c) {
      // b is meaningless at f = 0: use b = 0.
      dp[0][c] = (c == 1 ? kExchangePricePerSecond * cap * frame_s[0] : 0.0) + unary[0][c];
      dp[0][2 + c] = kInf;
    }
    for (int f = 1; f < n; ++f) {
      for (int b = 0; b < 2; ++b) {
        for (int c = 0; c < 2; ++c) {
          double best = kInf;
          int best_a = 0;
          for (int a = 0; a < 2; ++a) {
            const double previous = dp[f - 1][2 * a + b];
            if (previous == kInf) continue;
            const double value = previous + cost(f, a, b, c);
            if (value < best) {
              best = value;
              best_a = a;
            }
          }
          dp[f][2 * b + c] = best;
          back[f][2 * b + c] = best_a;
        }
      }
    }
    int state = 0;
    for (int s = 1; s < 4; ++s) {
      if (dp[n - 1][s] < dp[n - 1][state]) state = s;
    }
    for (int f = n - 1; f >= 0; --f) {
      labels[f] = state % 2;
      const int b = state / 2;
      if (f > 0) state = 2 * back[f][state] + b;
    }
  };
  viterbi();
  // Continuity cannot see a swap that starts and ends where the legs cross (all the detector's
  // long swaps): there both labellings continue equally well. The stride pattern can, when the
  // runner is periodic: up to three more searches, each against references under the labels
  // found so far. Per second, like the exchange price, so that 30 and 240 fps weigh alike.
  const std::vector<double> periods_s = LabelFreeStridePeriods(*poses, min_confidence);
  for (int pass = 0; pass < kPeriodicityPasses && !periods_s.empty(); ++pass) {
    unary = PeriodicityCost(*poses, labels, periods_s, min_confidence, cap);
    for (int f = 0; f < n; ++f) {
      const double weight = kPeriodicityWeight * frame_s[f] * 30;
      unary[f] = {weight * unary[f][0], weight * unary[f][1]};
    }
    const std::vector<int> previous = labels;
    viterbi();
    if (labels == previous) break;
  }
  for (int f = 0; f < n; ++f) {
    if (labels[f] == 1) {
      ExchangeLegs(poses, f);
      result.relabelled[f] = true;
    }
  }
  return result;
}

}  // namespace gaitlens::internal
