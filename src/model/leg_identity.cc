#include "model/leg_identity.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <utility>

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
  auto cost = [&](int f, int a, int b, int c) {
    double total = c == 1 ? kExchangePricePerSecond * cap * frame_s[f] : 0.0;
    for (int k = 2; k < kNumLegPoints; k += 2) {  // knees to toes (hips coincide in side views)
      double px[2], py[2];
      if (!predict(f, k, a, b, &px[0], &py[0]) || !predict(f, k + 1, a, b, &px[1], &py[1])) continue;
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
  for (int c = 0; c < 2; ++c) {
    dp[0][c] = c == 1 ? kExchangePricePerSecond * cap * frame_s[0] : 0.0;  // b is meaningless at f = 0: use b = 0
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
  std::vector<int> labels(n);
  for (int f = n - 1; f >= 0; --f) {
    labels[f] = state % 2;
    const int b = state / 2;
    if (f > 0) state = 2 * back[f][state] + b;
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
