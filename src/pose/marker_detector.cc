// The marker-tracking pose backend.
//
// 1. Blobs. Colour mode projects every pixel's chroma (its colour minus its grey level) onto the
//    target's: the projection, as a fraction of the target's chroma, is the share of sticker
//    colour in the pixel, linear in the anti-aliasing mix with any grey (a dark outline, a white
//    sock, shadow) and near zero or negative for skin, clothes and the belt. Pixels with enough of
//    it and a hue close to the target's form the blobs (8-connected components); bright mode
//    thresholds the grey level instead. Each blob's centre is the membership-weighted centroid
//    of its pixels and of the soft edge pixels around it (sub-pixel).
// 2. Labels. The near leg is the hip-knee-ankle chain with the heel and toe stickers on a rigid
//    triangle around the ankle sticker. Every assignment of blobs to the five labels (or
//    "missing") is scored: segment lengths (anthropometric ratios until the lengths are learned,
//    then the learned ones), reach limits between stickers not joined directly, anatomical
//    order (the hip highest with the thigh pointing down, the knee not far below the ankle nor
//    near the floor line, the knee flexing backwards, the toe ahead of the heel in the running
//    direction), and the distance to each label's constant-velocity prediction from the last
//    frames. Branch and bound keeps the search small. The lengths are learned from the first
//    chains that agree with one another, which rejects the odd wrong chain that fits the ratios
//    in a single frame. The far leg is labelled among the blobs left over, only where a
//    geometric partner (heel and toe at the learned foot length) or a continuing track supports
//    it; in a side view its hip, knee and ankle stickers face away from the camera.
#include "gaitlens/pose/marker_detector.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "core/opencv_util.h"
#include "gaitlens/core/error.h"
#include "gaitlens/pose/keypoint_layout.h"

namespace gaitlens {

namespace {

constexpr double kPi = 3.14159265358979323846;

bool IsColourMode(const std::string& mode) { return mode == "colour" || mode == "color"; }

}  // namespace

void MarkerOptions::Check() const {
  GAITLENS_CHECK_INPUT(IsColourMode(mode) || mode == "bright", OptionError,
                       "MarkerOptions.mode must be \"colour\" or \"bright\", got \"", mode, "\"");
  if (IsColourMode(mode)) {
    const int hi = std::max({colour_b, colour_g, colour_r});
    const int lo = std::min({colour_b, colour_g, colour_r});
    GAITLENS_CHECK_INPUT(hi - lo >= 40, OptionError,
                         "MarkerOptions.colour_b/colour_g/colour_r must be a chromatic colour "
                         "(max - min channel >= 40), got (",
                         int{colour_b}, ", ", int{colour_g}, ", ", int{colour_r},
                         "); use mode \"bright\" for white or retro-reflective markers");
  }
  GAITLENS_CHECK_INPUT(std::isfinite(hue_tolerance_deg) && hue_tolerance_deg > 0 &&
                           hue_tolerance_deg <= 90,
                       OptionError, "MarkerOptions.hue_tolerance_deg must be in (0, 90], got ",
                       hue_tolerance_deg);
  GAITLENS_CHECK_INPUT(std::isfinite(min_colour_fraction) && min_colour_fraction > 0 &&
                           min_colour_fraction <= 1,
                       OptionError, "MarkerOptions.min_colour_fraction must be in (0, 1], got ",
                       min_colour_fraction);
  GAITLENS_CHECK_INPUT(brightness_threshold >= 1 && brightness_threshold <= 255, OptionError,
                       "MarkerOptions.brightness_threshold must be in [1, 255], got ",
                       brightness_threshold);
  GAITLENS_CHECK_INPUT(std::isfinite(min_blob_area_px) && min_blob_area_px >= 1, OptionError,
                       "MarkerOptions.min_blob_area_px must be at least 1, got ", min_blob_area_px);
  GAITLENS_CHECK_INPUT(std::isfinite(max_blob_area_px) && max_blob_area_px > min_blob_area_px,
                       OptionError,
                       "MarkerOptions.max_blob_area_px must be finite and greater than "
                       "min_blob_area_px (",
                       min_blob_area_px, "), got ", max_blob_area_px);
  GAITLENS_CHECK_INPUT(near_side == "auto" || near_side == "left" || near_side == "right",
                       OptionError,
                       "MarkerOptions.near_side must be \"auto\", \"left\" or \"right\", got \"",
                       near_side, "\"");
  GAITLENS_CHECK_INPUT(learn_frames >= 1 && learn_frames <= 1000, OptionError,
                       "MarkerOptions.learn_frames must be in [1, 1000], got ", learn_frames);
}

namespace {

// ---------------------------------------------------------------------------------------------
// Blobs.

struct Blob {
  double x = 0, y = 0;    // sub-pixel centre
  double area = 0;        // thresholded pixels
  double roundness = 1;   // sqrt(minor / major second moment): 1 for a disc
  double colour = 1;      // mean membership of the thresholded pixels, [0, 1]
};

class BlobFinder {
 public:
  explicit BlobFinder(const MarkerOptions& options) : options_(options) {
    colour_mode_ = IsColourMode(options.mode);
    const double b = options.colour_b, g = options.colour_g, r = options.colour_r;
    const double mean = (b + g + r) / 3;
    tb_ = static_cast<int>(std::lround(3 * (b - mean)));
    tg_ = static_cast<int>(std::lround(3 * (g - mean)));
    tr_ = static_cast<int>(std::lround(3 * (r - mean)));
    // Keep the target chroma exactly zero-sum so that the grey level cancels.
    tg_ = -(tb_ + tr_);
    norm2_ = static_cast<double>(tb_) * tb_ + static_cast<double>(tg_) * tg_ +
             static_cast<double>(tr_) * tr_;
    const double tan_strict = std::tan(options.hue_tolerance_deg * kPi / 180);
    const double tan_soft = std::tan(std::min(2 * options.hue_tolerance_deg, 80.0) * kPi / 180);
    tan2_strict_ = tan_strict * tan_strict;
    tan2_soft_ = tan_soft * tan_soft;
    bright_low_ = std::max(0, options.brightness_threshold - 64);
  }

  void Find(const cv::Mat& frame, std::vector<Blob>* blobs) {
    blobs->clear();
    if (colour_mode_) {
      GAITLENS_CHECK_INPUT(frame.channels() == 3, InputError,
                           "marker detector: colour mode needs BGR frames, got ", frame.channels(),
                           " channel(s); use mode \"bright\" for grey video");
      ColourMask(frame);
    } else {
      if (frame.channels() == 3) {
        cv::cvtColor(frame, grey_, cv::COLOR_BGR2GRAY);
      } else {
        grey_ = frame;
      }
      cv::compare(grey_, options_.brightness_threshold, mask_, cv::CMP_GE);
    }
    const int count = cv::connectedComponentsWithStats(mask_, labels_, stats_, centroids_, 8,
                                                       CV_32S);
    for (int i = 1; i < count; ++i) {
      const int area = stats_.at<int>(i, cv::CC_STAT_AREA);
      if (area < options_.min_blob_area_px || area > options_.max_blob_area_px) {
        continue;
      }
      // A sticker cut by the frame border has a biased centre: treat it as not seen.
      const int left = stats_.at<int>(i, cv::CC_STAT_LEFT), top = stats_.at<int>(i, cv::CC_STAT_TOP);
      if (left == 0 || top == 0 || left + stats_.at<int>(i, cv::CC_STAT_WIDTH) == frame.cols ||
          top + stats_.at<int>(i, cv::CC_STAT_HEIGHT) == frame.rows) {
        continue;
      }
      blobs->push_back(Measure(frame, i));
    }
  }

 private:
  // The share of target chroma in a BGR pixel (1 = the target's chroma), and whether its hue is
  // within tan2 (squared tangent of the hue tolerance) of the target's.
  double Fraction(const std::uint8_t* p, double tan2, bool* hue_ok) const {
    const int b = p[0], g = p[1], r = p[2];
    // With t the zero-sum target chroma times 3, t . (pixel - grey) = t . pixel.
    const double dot = static_cast<double>(b * tb_ + g * tg_ + r * tr_);
    const double fraction = 3.0 * dot / norm2_;
    if (dot <= 0) {
      *hue_ok = false;
      return fraction;
    }
    const double sum = b + g + r;
    const double chroma2 = static_cast<double>(b * b + g * g + r * r) - sum * sum / 3;
    const double along2 = dot * dot / norm2_;  // squared chroma along the target's
    const double perp2 = std::max(0.0, chroma2 - along2);
    *hue_ok = perp2 <= tan2 * along2;
    return fraction;
  }

  void ColourMask(const cv::Mat& frame) {
    mask_.create(frame.rows, frame.cols, CV_8U);
    // A pixel needs dot >= min_fraction * norm2 / 3 (see Fraction()).
    const double min_dot = options_.min_colour_fraction * norm2_ / 3.0;
    const int min_dot_i = static_cast<int>(std::ceil(min_dot));
    for (int y = 0; y < frame.rows; ++y) {
      const std::uint8_t* p = frame.ptr<std::uint8_t>(y);
      std::uint8_t* m = mask_.ptr<std::uint8_t>(y);
      for (int x = 0; x < frame.cols; ++x, p += 3) {
        const int dot = p[0] * tb_ + p[1] * tg_ + p[2] * tr_;
        if (dot < min_dot_i) {
          m[x] = 0;
          continue;
        }
        bool hue_ok = false;
        Fraction(p, tan2_strict_, &hue_ok);
        m[x] = hue_ok ? 255 : 0;
      }
    }
  }

  // Soft membership of a pixel in [0, 1], for the weighted centroid.
  double Weight(const cv::Mat& frame, int x, int y) const {
    if (colour_mode_) {
      bool hue_ok = false;
      const double f = Fraction(frame.ptr<std::uint8_t>(y) + 3 * x, tan2_soft_, &hue_ok);
      return hue_ok ? std::clamp(f, 0.0, 1.0) : 0.0;
    }
    const int value = grey_.at<std::uint8_t>(y, x);
    return std::clamp(static_cast<double>(value - bright_low_) / (255 - bright_low_), 0.0, 1.0);
  }

  Blob Measure(const cv::Mat& frame, int index) {
    constexpr int kPad = 2;
    const int x0 = std::max(0, stats_.at<int>(index, cv::CC_STAT_LEFT) - kPad);
    const int y0 = std::max(0, stats_.at<int>(index, cv::CC_STAT_TOP) - kPad);
    const int x1 = std::min(frame.cols, stats_.at<int>(index, cv::CC_STAT_LEFT) +
                                            stats_.at<int>(index, cv::CC_STAT_WIDTH) + kPad);
    const int y1 = std::min(frame.rows, stats_.at<int>(index, cv::CC_STAT_TOP) +
                                            stats_.at<int>(index, cv::CC_STAT_HEIGHT) + kPad);
    const cv::Rect box(x0, y0, x1 - x0, y1 - y0);
    // The blob's own pixels grown by two pixels: where its soft (anti-aliased) edge lies.
    cv::compare(labels_(box), index, own_, cv::CMP_EQ);
    cv::dilate(own_, grown_, cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(5, 5)));
    double sw = 0, swx = 0, swy = 0;
    double n = 0, sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0, colour = 0;
    for (int y = y0; y < y1; ++y) {
      const int* lab = labels_.ptr<int>(y);
      const std::uint8_t* grown = grown_.ptr<std::uint8_t>(y - y0);
      for (int x = x0; x < x1; ++x) {
        if (!grown[x - x0]) continue;
        const int label = lab[x];
        if (label != 0 && label != index) continue;  // another blob
        const double w = Weight(frame, x, y);
        sw += w;
        swx += w * x;
        swy += w * y;
        if (label == index) {
          n += 1;
          sx += x;
          sy += y;
          sxx += static_cast<double>(x) * x;
          syy += static_cast<double>(y) * y;
          sxy += static_cast<double>(x) * y;
          colour += w;
        }
      }
    }
    Blob blob;
    blob.area = n;
    if (sw > 0) {
      blob.x = swx / sw;
      blob.y = swy / sw;
    } else {
      blob.x = centroids_.at<double>(index, 0);
      blob.y = centroids_.at<double>(index, 1);
    }
    if (n > 0) {
      const double mx = sx / n, my = sy / n;
      // Second moments of the pixel set (plus the 1/12 of a pixel's own extent).
      const double cxx = sxx / n - mx * mx + 1.0 / 12, cyy = syy / n - my * my + 1.0 / 12;
      const double cxy = sxy / n - mx * my;
      const double half_trace = 0.5 * (cxx + cyy);
      const double root = std::sqrt(std::max(0.0, 0.25 * (cxx - cyy) * (cxx - cyy) + cxy * cxy));
      const double major = half_trace + root, minor = std::max(0.0, half_trace - root);
      blob.roundness = major > 0 ? std::sqrt(minor / major) : 1.0;
      blob.colour = colour / n;
    }
    return blob;
  }

  MarkerOptions options_;
  bool colour_mode_ = true;
  int tb_ = 0, tg_ = 0, tr_ = 0;
  double norm2_ = 1;
  double tan2_strict_ = 0, tan2_soft_ = 0;
  int bright_low_ = 0;
  cv::Mat grey_, mask_, labels_, stats_, centroids_, own_, grown_;
};

// ---------------------------------------------------------------------------------------------
// Labels.

enum Label : int { kHip = 0, kKnee, kAnkle, kHeel, kToe, kNumLabels };
// Canonical index of each label on the left side (the right side is one more).
constexpr std::array<int, kNumLabels> kCanonicalLeft = {
    static_cast<int>(CanonicalKeypoint::kLeftHip), static_cast<int>(CanonicalKeypoint::kLeftKnee),
    static_cast<int>(CanonicalKeypoint::kLeftAnkle), static_cast<int>(CanonicalKeypoint::kLeftHeel),
    static_cast<int>(CanonicalKeypoint::kLeftBigToe)};

// The five rigid distances between markers: thigh, shank and the foot triangle.
enum Segment : int { kThigh = 0, kShank, kAnkleHeel, kAnkleToe, kHeelToe, kNumSegments };
// Which segment joins two labels, or -1.
int SegmentOf(int a, int b) {
  if (a > b) std::swap(a, b);
  if (a == kHip && b == kKnee) return kThigh;
  if (a == kKnee && b == kAnkle) return kShank;
  if (a == kAnkle && b == kHeel) return kAnkleHeel;
  if (a == kAnkle && b == kToe) return kAnkleToe;
  if (a == kHeel && b == kToe) return kHeelToe;
  return -1;
}
// Anthropometric ratios of the segments to the thigh, used until the lengths are learned, and
// their relative tolerance. (Synthetic and typical clinical placements: ankle sticker on the
// lateral malleolus, heel sticker on the heel counter, toe sticker on the toe box.)
constexpr std::array<double, kNumSegments> kPriorRatio = {1.0, 1.0, 0.18, 0.42, 0.6};
constexpr std::array<double, kNumSegments> kPriorTolerance = {0.15, 0.15, 0.07, 0.10, 0.10};

constexpr int kLegs = 2;  // 0 = near, 1 = far
constexpr int kMaxBlobs = 16;     // blobs considered for the near leg
constexpr int kMaxFarBlobs = 8;   // of those left over, considered for the far leg
// A near-leg label left without a blob. The hip sticker is the one most often hidden (by a hand
// swinging past it), so a chain without it is the likelier explanation of four blobs than one
// with another sticker missing.
constexpr std::array<double, kNumLabels> kMissingCost = {6.0, 8.0, 8.0, 8.0, 8.0};
constexpr double kNothingCost = 6.0 + 4 * 8.0;
constexpr double kContinuityCap = 8.0;      // most that one label's continuity term costs
constexpr double kFarPresentCost = 3.0;     // a far-leg label needs support to beat this
constexpr double kFarPairBonus = 8.0;       // a far-leg segment of the right length
constexpr double kFarTrackBonus = 6.0;      // a far-leg label on its track's prediction
constexpr int kMaxGapFrames = 4;            // tracks predict at most this many frames ahead
constexpr size_t kMaxSamples = 300;         // complete chains kept for learning the lengths

struct Track {
  bool valid = false;
  bool has_velocity = false;
  double x = 0, y = 0, vx = 0, vy = 0;
  long last_frame = 0;
};

// One assignment of blobs to the labels of a leg.
struct Assignment {
  std::array<int, kNumLabels> blob;
  std::array<double, kNumLabels> cost;  // each label's share of the total cost
  double total = std::numeric_limits<double>::infinity();
  Assignment() { blob.fill(-1); cost.fill(0); }
};

double Distance(const Blob& a, const Blob& b) { return std::hypot(a.x - b.x, a.y - b.y); }

class MarkerDetector final : public PoseDetector {
 public:
  explicit MarkerDetector(const MarkerOptions& options)
      : options_((options.Check(), options)), finder_(options) {}

  KeypointLayout layout() const override { return KeypointLayout::kCanonical; }
  std::string name() const override { return "markers-" + options_.mode; }

  void Reset() override {
    frame_ = 0;
    learned_ = false;
    thigh_learned_ = false;
    thigh_samples_.clear();
    samples_.clear();
    area_samples_.clear();
    expected_area_ = 0;
    facing_votes_ = 0;
    last_scale_ = 0;
    for (auto& leg : tracks_) leg.fill(Track());
  }

  void Detect(const Image& image, std::vector<Keypoint>* keypoints) override {
    GAITLENS_CHECK_INPUT(!image.empty(), InputError, "marker detector: empty frame");
    keypoints->assign(kNumCanonicalKeypoints, Keypoint());
    const cv::Mat frame = internal::MatFromImage(image);
    finder_.Find(frame, &blobs_);
    KeepLikeliestBlobs();

    // Near leg.
    Assignment near;
    std::vector<bool> used(blobs_.size(), false);
    SearchNear(&near);
    RememberScale(near);
    for (int label = 0; label < kNumLabels; ++label) {
      if (near.blob[label] >= 0) used[near.blob[label]] = true;
    }
    Learn(near);
    VoteFacing(near);

    // Far leg, once the lengths are known.
    Assignment far;
    if (learned_) SearchFar(used, &far);

    const int near_side = NearSide();
    const std::array<const Assignment*, kLegs> legs = {&near, &far};
    const double area = ExpectedArea(near);
    for (int leg = 0; leg < kLegs; ++leg) {
      const int side = leg == 0 ? near_side : 1 - near_side;
      for (int label = 0; label < kNumLabels; ++label) {
        const int b = legs[leg]->blob[label];
        Track& track = tracks_[leg][label];
        if (b < 0) {
          if (track.valid && frame_ - track.last_frame > kMaxGapFrames) track.valid = false;
          continue;
        }
        const Blob& blob = blobs_[b];
        Keypoint& point = (*keypoints)[kCanonicalLeft[label] + side];
        point.x = blob.x;
        point.y = blob.y;
        point.confidence = Confidence(blob, area, legs[leg]->cost[label]);
        UpdateTrack(&track, blob);
      }
    }
    ++frame_;
  }

 private:
  // ---- Blob selection and quality.

  // How unlike a sticker a blob looks (size against the learned one, roundness).
  double Badness(const Blob& b) const {
    const double size =
        expected_area_ > 0 ? std::abs(std::log(b.area / expected_area_)) : -std::log(b.area);
    return size + 2 * (1 - b.roundness);
  }

  // Bounds the search: many blobs mean a cluttered scene (or a wrong colour).
  void KeepLikeliestBlobs() {
    if (static_cast<int>(blobs_.size()) <= kMaxBlobs) return;
    std::stable_sort(blobs_.begin(), blobs_.end(),
                     [&](const Blob& a, const Blob& b) { return Badness(a) < Badness(b); });
    blobs_.resize(kMaxBlobs);
  }

  // The sticker area to compare blobs with: learned, else the median of this frame's near blobs.
  double ExpectedArea(const Assignment& near) const {
    if (expected_area_ > 0) return expected_area_;
    std::vector<double> areas;
    for (int b : near.blob) {
      if (b >= 0) areas.push_back(blobs_[b].area);
    }
    if (areas.empty()) return 0;
    std::nth_element(areas.begin(), areas.begin() + areas.size() / 2, areas.end());
    return areas[areas.size() / 2];
  }

  static double Confidence(const Blob& blob, double expected_area, double label_cost) {
    double area_q = 1;
    if (expected_area > 0) {
      const double r = blob.area / expected_area;
      area_q = std::sqrt(std::min(r, 1 / r));
    }
    const double colour_q = std::clamp(blob.colour / 0.9, 0.0, 1.0);
    const double fit_q = 1 / (1 + std::max(0.0, label_cost) / 4);
    return std::clamp(area_q * blob.roundness * colour_q * fit_q, 0.01, 1.0);
  }

  // ---- Facing and sides.

  void VoteFacing(const Assignment& near) {
    const int heel = near.blob[kHeel], toe = near.blob[kToe];
    if (heel < 0 || toe < 0) return;
    const double dx = blobs_[toe].x - blobs_[heel].x;
    const double length = Distance(blobs_[heel], blobs_[toe]);
    if (length <= 0) return;
    // Clamp so that a long run of frames is needed to outvote a settled direction.
    facing_votes_ = std::clamp(facing_votes_ + std::clamp(dx / length * 2, -1.0, 1.0), -30.0, 30.0);
  }
  // -1 facing image-left, +1 image-right, 0 unknown (until a few frames agree).
  int Facing() const { return facing_votes_ <= -2 ? -1 : facing_votes_ >= 2 ? 1 : 0; }
  int NearSide() const {
    if (options_.near_side == "left") return 0;
    if (options_.near_side == "right") return 1;
    return facing_votes_ > 0 ? 1 : 0;
  }

  // ---- Geometry.

  // Expected length and tolerance of a segment; scale = the thigh length until learned.
  void Expected(int segment, double scale, int leg, double* length, double* sigma) const {
    if (learned_ && segment == kThigh && !thigh_learned_) {
      *length = lengths_[kShank] * (leg == 0 ? 1.0 : 0.95);
      *sigma = kPriorTolerance[kThigh] * lengths_[kShank] + 1.5;
    } else if (learned_) {
      const double far_scale = leg == 0 ? 1.0 : 0.95;
      *length = lengths_[segment] * far_scale;
      *sigma = (leg == 0 ? 0.06 : 0.12) * lengths_[segment] + (leg == 0 ? 1.5 : 2.0);
    } else {
      *length = kPriorRatio[segment] * scale;
      *sigma = kPriorTolerance[segment] * scale + 1.5;
    }
  }

  double Thigh(double scale) const { return learned_ ? lengths_[kThigh] : scale; }

  // Cost of two labelled blobs together (both present); scale > 0.
  double PairCost(int la, int ba, int lb, int bb, double scale, int leg) const {
    if (la > lb) {
      std::swap(la, lb);
      std::swap(ba, bb);
    }
    const Blob& a = blobs_[ba];
    const Blob& b = blobs_[bb];
    const double d = Distance(a, b);
    double cost = 0;
    const int segment = SegmentOf(la, lb);
    if (segment >= 0) {
      double length = 0, sigma = 1;
      Expected(segment, scale, leg, &length, &sigma);
      const double r = (d - length) / sigma;
      cost += r * r;
      if (leg == 1 && r * r < 4) cost -= kFarPairBonus;
    } else {
      // Reach limits through the chain (triangle inequality), for labels not joined directly.
      double lo = 0, hi = 0, sigma = 1;
      auto len = [&](int s) {
        double length = 0, sd = 0;
        Expected(s, scale, leg, &length, &sd);
        sigma = std::max(sigma, sd);
        return length;
      };
      if (la == kHip && lb == kAnkle) {
        hi = len(kThigh) + len(kShank);
        lo = std::abs(len(kThigh) - len(kShank));
      } else if (la == kHip && lb == kHeel) {
        hi = len(kThigh) + len(kShank) + len(kAnkleHeel);
      } else if (la == kHip && lb == kToe) {
        hi = len(kThigh) + len(kShank) + len(kAnkleToe);
      } else if (la == kKnee && lb == kHeel) {
        hi = len(kShank) + len(kAnkleHeel);
        lo = len(kShank) - len(kAnkleHeel);
      } else if (la == kKnee && lb == kToe) {
        hi = len(kShank) + len(kAnkleToe);
        lo = len(kShank) - len(kAnkleToe);
      }
      const double slack = 0.05 * hi;
      if (d > hi + slack) cost += std::pow((d - hi - slack) / sigma, 2);
      if (d < lo - slack) cost += std::pow((lo - slack - d) / sigma, 2);
    }
    // The hip sticker is the highest of the leg, and the thigh points down: at most about 70
    // degrees from the vertical (hip flexion in running stays well below that).
    if (la == kHip) {
      const double thigh = Thigh(scale);
      const double margin = (lb == kKnee ? 0.3 : 0.1) * thigh;
      const double above = a.y + margin - b.y;
      if (above > 0) cost += std::pow(above / (0.1 * thigh), 2);
    }
    // The knee above the ankle, or at most a little below it (heel recovery).
    if (la == kKnee && lb == kAnkle) {
      const double thigh = Thigh(scale);
      const double below = a.y - b.y;  // how far the knee is below the ankle, px
      const double limit = 0.3 * thigh;
      if (below > limit) cost += std::pow((below - limit) / (0.1 * thigh), 2);
    }
    // The toe ahead of the heel in the running direction (or at most a little behind it, with
    // the toes pointing down after toe-off): tells them apart when the ankle sticker is hidden.
    if (la == kHeel && lb == kToe && Facing() != 0) {
      double length = 0, sigma = 1;
      Expected(kHeelToe, scale, leg, &length, &sigma);
      const double behind = -(b.x - a.x) * Facing() - 0.2 * length;
      if (behind > 0) cost += std::pow(behind / (0.2 * length), 2);
    }
    return cost;
  }

  // The knee sticker stays at least 0.4 thigh lengths above the lowest other sticker (a foot
  // on the belt, or the swing foot at heel recovery); a "knee" on the floor line is a foot.
  double FloorCost(int knee, double thigh) const {
    double lowest = -std::numeric_limits<double>::infinity();
    for (int b = 0; b < static_cast<int>(blobs_.size()); ++b) {
      if (b != knee) lowest = std::max(lowest, blobs_[b].y);
    }
    const double height = lowest - blobs_[knee].y;
    if (height <= 0 || thigh <= 0) return 0;  // nothing below: the feet are not seen
    const double shortfall = 0.4 * thigh - height;
    return shortfall > 0 ? std::pow(shortfall / (0.1 * thigh), 2) : 0.0;
  }

  // The knee flexes one way: the shank turns backwards from the thigh's line (hyperextension
  // of up to 15 degrees allowed). Needs the running direction.
  double FlexionCost(int hip, int knee, int ankle) const {
    const int facing = Facing();
    if (facing == 0) return 0;
    const double tx = blobs_[knee].x - blobs_[hip].x, ty = blobs_[knee].y - blobs_[hip].y;
    const double ux = blobs_[ankle].x - blobs_[knee].x, uy = blobs_[ankle].y - blobs_[knee].y;
    const double norms = std::hypot(tx, ty) * std::hypot(ux, uy);
    if (norms <= 0) return 0;
    // Sine of the knee angle, positive for flexion: with y down, a runner facing image-left
    // (facing -1) flexes the knee clockwise on screen, i.e. a negative cross product.
    const double flexion = (tx * uy - ty * ux) / norms * facing;
    const double excess = -flexion - 0.26;
    return excess > 0 ? std::pow(excess / 0.15, 2) : 0.0;
  }

  // Cost of a label on a blob by itself: distance to the track's prediction.
  double UnaryCost(int leg, int label, int b, double scale) const {
    const Blob& blob = blobs_[b];
    double cost = 0;
    const Track& track = tracks_[leg][label];
    const long gap = frame_ - track.last_frame;
    const double reference = learned_ ? lengths_[kThigh] : scale > 0 ? scale : last_scale_;
    if (track.valid && gap <= kMaxGapFrames && reference > 0) {
      double px = track.x, py = track.y;
      if (track.has_velocity) {
        px += track.vx * gap;
        py += track.vy * gap;
      }
      const double sigma = (0.1 * reference + 3) * gap;
      const double r2 = (std::pow(blob.x - px, 2) + std::pow(blob.y - py, 2)) / (sigma * sigma);
      if (leg == 0) {
        // While the lengths are being learned geometry leads, so that a wrong start is left.
        cost += std::min(r2, learned_ ? kContinuityCap : 0.5 * kContinuityCap);
      } else {
        cost -= kFarTrackBonus * std::exp(-0.5 * r2);
      }
    }
    // Fragments (partly hidden stickers) are poor candidates.
    if (expected_area_ > 0 && blob.area < 0.3 * expected_area_) cost += 2;
    return cost;
  }

  // Branch-and-bound search over the assignments of blobs to one leg's labels.
  struct SearchState {
    int leg = 0;
    const std::vector<bool>* excluded = nullptr;
    std::array<int, kNumLabels> blob{};
    std::array<double, kNumLabels> cost{};
    double scale = 0;  // thigh length in this hypothesis (until learned)
    Assignment best;
  };

  void Recurse(SearchState* s, int label, double total) const {
    if (label == kNumLabels) {
      if (total < s->best.total) {
        s->best.total = total;
        s->best.blob = s->blob;
        s->best.cost = s->cost;
      }
      return;
    }
    const int n = static_cast<int>(blobs_.size());
    for (int b = -1; b < n; ++b) {
      if (b >= 0) {
        if ((*s->excluded)[b]) continue;
        bool taken = false;
        for (int l = 0; l < label; ++l) taken = taken || s->blob[l] == b;
        if (taken) continue;
      }
      s->blob[label] = b;
      const double saved_scale = s->scale;
      const std::array<double, kNumLabels> saved_cost = s->cost;
      double add = 0;
      if (b < 0) {
        add = s->leg == 0 ? kMissingCost[label] : 0.0;
        s->cost[label] = 0;
      } else {
        bool scale_now = false;
        if (!learned_ && s->scale <= 0) {
          // The thigh sets the scale; without a hip, the shank (of about the same length) does.
          if (label == kKnee && s->blob[kHip] >= 0) {
            s->scale = Distance(blobs_[s->blob[kHip]], blobs_[b]);
            scale_now = true;
          } else if (label == kAnkle && s->blob[kHip] < 0 && s->blob[kKnee] >= 0) {
            s->scale = Distance(blobs_[s->blob[kKnee]], blobs_[b]);
            scale_now = true;
          }
        }
        const double unary =
            (s->leg == 0 ? 0.0 : kFarPresentCost) + UnaryCost(s->leg, label, b, s->scale);
        add += unary;
        s->cost[label] = unary;
        if (learned_ || s->scale > 0) {
          auto pair = [&](int la, int lb) {
            const double c = PairCost(la, s->blob[la], lb, s->blob[lb], s->scale, s->leg);
            s->cost[la] += 0.5 * c;
            s->cost[lb] += 0.5 * c;
            add += c;
          };
          if (scale_now) {
            // Every pair among the labels chosen so far.
            for (int la = 0; la <= label; ++la) {
              for (int lb = la + 1; lb <= label; ++lb) {
                if (s->blob[la] >= 0 && s->blob[lb] >= 0) pair(la, lb);
              }
            }
          } else {
            for (int l = 0; l < label; ++l) {
              if (s->blob[l] >= 0) pair(l, label);
            }
          }
          // The knee well above the feet, once its blob and the scale are both known.
          if (s->leg == 0 && s->blob[kKnee] >= 0 && (label == kKnee || scale_now)) {
            const double c = FloorCost(s->blob[kKnee], Thigh(s->scale));
            s->cost[kKnee] += c;
            add += c;
          }
          if (label == kAnkle && s->blob[kHip] >= 0 && s->blob[kKnee] >= 0) {
            const double c = FlexionCost(s->blob[kHip], s->blob[kKnee], b);
            s->cost[kKnee] += c;
            add += c;
          }
        }
      }
      // Until the lengths are learned the leg needs a scale from its ankle on.
      const bool scale_missing = !learned_ && s->scale <= 0 && label >= kAnkle;
      // Near-leg costs are never negative, so a partial cost above the best prunes; far-leg
      // bonuses are, so that search (over a handful of blobs) is exhaustive.
      const bool bound = s->leg == 0 && total + add >= s->best.total;
      if (!scale_missing && !bound) Recurse(s, label + 1, total + add);
      s->scale = saved_scale;
      s->cost = saved_cost;
    }
    s->blob[label] = -1;
  }

  void SearchNear(Assignment* out) const {
    const std::vector<bool> none(blobs_.size(), false);
    SearchState s;
    s.leg = 0;
    s.excluded = &none;
    s.blob.fill(-1);
    s.cost.fill(0);
    s.best.total = kNothingCost + 1e-9;  // "nothing" is always possible
    Recurse(&s, 0, 0.0);
    *out = s.best;
  }

  void SearchFar(const std::vector<bool>& used, Assignment* out) const {
    // The far-leg search is exhaustive: keep it to the likeliest few blobs.
    std::vector<bool> excluded = used;
    std::vector<int> left;
    for (int b = 0; b < static_cast<int>(blobs_.size()); ++b) {
      if (!used[b]) left.push_back(b);
    }
    if (static_cast<int>(left.size()) > kMaxFarBlobs) {
      std::stable_sort(left.begin(), left.end(),
                       [&](int a, int b) { return Badness(blobs_[a]) < Badness(blobs_[b]); });
      for (size_t i = kMaxFarBlobs; i < left.size(); ++i) excluded[left[i]] = true;
    }
    SearchState s;
    s.leg = 1;
    s.excluded = &excluded;
    s.blob.fill(-1);
    s.cost.fill(0);
    s.best.total = -1e-9;  // something must beat "nothing" (cost 0)
    Recurse(&s, 0, 0.0);
    if (s.best.total < 0) *out = s.best;
  }

  // ---- Learning and tracks.

  // Learns the segment lengths from the near-leg chains of the first frames: those with at least
  // the knee, ankle, heel and toe (the hip sticker may be hidden behind a swinging hand).
  void Learn(const Assignment& near) {
    const auto& b = near.blob;
    if (learned_) {
      // The thigh, when the hip was hidden while the rest was learned.
      if (thigh_learned_ || b[kHip] < 0 || b[kKnee] < 0 || near.cost[kHip] > 4) return;
      thigh_samples_.push_back(Distance(blobs_[b[kHip]], blobs_[b[kKnee]]));
      if (static_cast<int>(thigh_samples_.size()) >= options_.learn_frames) {
        lengths_[kThigh] = Median(thigh_samples_);
        thigh_learned_ = true;
      }
      return;
    }
    if (b[kKnee] < 0 || b[kAnkle] < 0 || b[kHeel] < 0 || b[kToe] < 0) return;
    // Only frames whose geometry fits the priors well.
    if (near.total - (b[kHip] < 0 ? kMissingCost[kHip] : 0.0) > 6.0) return;
    constexpr double kAbsent = -1;
    std::array<double, kNumSegments> sample = {
        b[kHip] >= 0 ? Distance(blobs_[b[kHip]], blobs_[b[kKnee]]) : kAbsent,
        Distance(blobs_[b[kKnee]], blobs_[b[kAnkle]]), Distance(blobs_[b[kAnkle]], blobs_[b[kHeel]]),
        Distance(blobs_[b[kAnkle]], blobs_[b[kToe]]), Distance(blobs_[b[kHeel]], blobs_[b[kToe]])};
    samples_.push_back(sample);
    area_samples_.push_back(0);
    for (int label = kKnee; label < kNumLabels; ++label) {
      area_samples_.back() += blobs_[b[label]].area / (kNumLabels - 1);
    }
    if (samples_.size() > kMaxSamples) {
      samples_.erase(samples_.begin());
      area_samples_.erase(area_samples_.begin());
    }
    // A wrong chain may fit the ratios in one frame (say, with the hip sticker hidden, some
    // five blobs that happen to look like a leg), but only the right one keeps the same lengths
    // from frame to frame: learn from the largest set of samples that agree with one of them
    // within 5 % on every length both have.
    const int n = static_cast<int>(samples_.size());
    const int needed = std::max(1, (2 * options_.learn_frames + 2) / 3);
    if (n < options_.learn_frames) return;
    auto agree = [](const std::array<double, kNumSegments>& x,
                    const std::array<double, kNumSegments>& y) {
      for (int k = 0; k < kNumSegments; ++k) {
        if (x[k] == kAbsent || y[k] == kAbsent) continue;
        if (std::abs(x[k] - y[k]) > 0.05 * x[k] + 2) return false;
      }
      return true;
    };
    int best = -1, best_count = 0;
    for (int i = 0; i < n; ++i) {
      int count = 0;
      for (int j = 0; j < n; ++j) count += agree(samples_[i], samples_[j]);
      if (count > best_count) {
        best_count = count;
        best = i;
      }
    }
    if (best_count < needed) return;
    std::array<std::vector<double>, kNumSegments> values;
    std::vector<double> areas;
    for (int j = 0; j < n; ++j) {
      if (!agree(samples_[best], samples_[j])) continue;
      for (int k = 0; k < kNumSegments; ++k) {
        if (samples_[j][k] != kAbsent) values[k].push_back(samples_[j][k]);
      }
      areas.push_back(area_samples_[j]);
    }
    for (int k = kShank; k < kNumSegments; ++k) lengths_[k] = Median(values[k]);
    // The thigh needs a few samples of its own; until then it is taken to be as long as the
    // shank, with the prior's tolerance.
    thigh_learned_ = static_cast<int>(values[kThigh].size()) >= std::max(1, needed / 2);
    lengths_[kThigh] = thigh_learned_ ? Median(values[kThigh]) : lengths_[kShank];
    expected_area_ = Median(areas);
    learned_ = true;
  }

  static double Median(std::vector<double> v) {
    std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
    return v[v.size() / 2];
  }

  // The thigh (or shank) length of this frame's near leg, for continuity before learning.
  void RememberScale(const Assignment& near) {
    const auto& b = near.blob;
    if (b[kHip] >= 0 && b[kKnee] >= 0) {
      last_scale_ = Distance(blobs_[b[kHip]], blobs_[b[kKnee]]);
    } else if (b[kKnee] >= 0 && b[kAnkle] >= 0) {
      last_scale_ = Distance(blobs_[b[kKnee]], blobs_[b[kAnkle]]);
    }
  }

  void UpdateTrack(Track* track, const Blob& blob) const {
    const long gap = frame_ - track->last_frame;
    if (track->valid && gap >= 1 && gap <= kMaxGapFrames) {
      track->vx = (blob.x - track->x) / gap;
      track->vy = (blob.y - track->y) / gap;
      track->has_velocity = true;
    } else {
      track->has_velocity = false;
    }
    track->valid = true;
    track->x = blob.x;
    track->y = blob.y;
    track->last_frame = frame_;
  }

  MarkerOptions options_;
  BlobFinder finder_;
  std::vector<Blob> blobs_;
  long frame_ = 0;
  bool learned_ = false;
  bool thigh_learned_ = false;
  std::vector<double> thigh_samples_;
  std::array<double, kNumSegments> lengths_{};
  std::vector<std::array<double, kNumSegments>> samples_;
  std::vector<double> area_samples_;
  double expected_area_ = 0;
  double facing_votes_ = 0;
  double last_scale_ = 0;
  std::array<std::array<Track, kNumLabels>, kLegs> tracks_;
};

}  // namespace

std::unique_ptr<PoseDetector> CreateMarkerDetector(const MarkerOptions& options) {
  return std::make_unique<MarkerDetector>(options);
}

}  // namespace gaitlens
