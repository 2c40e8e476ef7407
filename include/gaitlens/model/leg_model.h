// The 2D leg model: a whole-sequence fit of a kinematic model of the legs to the keypoints of a
// clip (Eigen + Ceres), which resolves left/right swaps, fills occlusions and smooths without lag.
// See docs/leg_model.md.
#ifndef GAITLENS_MODEL_LEG_MODEL_H_
#define GAITLENS_MODEL_LEG_MODEL_H_

#include <array>
#include <string>
#include <vector>

#include "gaitlens/core/view.h"
#include "gaitlens/pose/pose_sequence.h"

namespace gaitlens {

struct FitOptions {
  // The camera view of the clip; kAuto decides from the keypoints (see DetectView).
  View view = View::kAuto;
  // Smoothness: weight of the squared second derivative of every per-frame variable, integrated
  // over time (so 30 and 240 fps clips get the same physical smoothness). Larger = smoother.
  // Positions are in pixels, angles in radians; in (0, 1e3].
  double smoothness = 1e-3;
  // Robust (Cauchy) scale of the keypoint reprojection error, as a fraction of the leg length
  // (thigh + shank) estimated from the data. In (0, 1].
  double robust_scale_leg = 0.03;
  // Keypoints below this confidence are ignored. In [0, 1).
  double min_confidence = 0.05;
  // The fit refuses a clip (AnalysisError: no runner) where fewer than a quarter of the frames
  // show a hip, knee and ankle of one leg at this confidence: a detector's guesses on frames with
  // nobody in them. For detectors whose confidences are on another scale; 0 = no check. In [0, 1].
  double runner_confidence = kRunnerConfidence;
  // Gait-cycle prior: the thigh, shank and trunk angles (side view) or knee and ankle positions
  // and pelvis obliquity (rear/front, with 0.3 leg lengths x this angle as the allowed
  // deviation) are pulled towards a template of the same leg's other strides (up to six before
  // and after, lined up in time) at the same gait phase, allowing at least this much
  // stride-to-stride deviation (degrees, 1 sigma; in the side view more where the runner's own
  // strides are measured to vary more). It averages keypoint noise over strides and fills a
  // hidden far leg from the near leg's pattern; a smaller value pulls harder (and shrinks real
  // stride-to-stride variability more). 0 = off. In [0, 90].
  double cycle_prior_deg = 2.0;
  // Resolve left/right label swaps (and merged knees) before fitting.
  bool resolve_swaps = true;
  // Ceres iteration limit and number of threads.
  int max_iterations = 15;
  int num_threads = 2;

  void Check() const;  // throws OptionError naming the field
};

// What the solver did, after Ceres' Solver::Summary.
struct FitSummary {
  int iterations = 0;
  double initial_cost = 0;
  double final_cost = 0;
  std::string termination;  // "CONVERGENCE", "NO_CONVERGENCE", "FAILURE"
  bool usable = false;
  double solve_seconds = 0;
  int num_parameters = 0;
  int num_residuals = 0;
  std::string BriefReport() const;
};

struct SegmentLengths {
  double thigh_px = 0;   // hip -> knee
  double shank_px = 0;   // knee -> ankle
  double foot_px = 0;    // heel -> toe (0 when the keypoints have no heels or toes)
  double far_leg_scale = 1;  // the far leg's lengths relative to the near leg's (perspective)
  double leg_px() const { return thigh_px + shank_px; }
};

// The fitted motion, one entry per frame of the input.
struct FittedMotion {
  View view = View::kSide;
  // +1 when the runner faces image-right, -1 when image-left.
  int direction = 1;
  // Which leg is nearer the camera (0 = left, 1 = right).
  int near_leg = 0;
  std::vector<double> timestamps_s;
  // Model keypoints in the canonical layout: hips, knees, ankles, heels, big toes and shoulders
  // (confidence 1 where the frame's own keypoint of that point was used, 0.5 where the model
  // filled a missing or rejected one); other points missing, and the heels and toes too when the
  // keypoints have none (COCO-17, e.g. MoveNet).
  PoseSequence keypoints;
  // Per frame, per leg (0 = left, 1 = right), degrees.
  std::vector<std::array<double, 2>> knee_flexion_deg;  // 180 - hip-knee-ankle angle
  // Its 1-sigma uncertainty (side view; NaN otherwise): from the fit's Gauss-Newton Hessian
  // (marginal over the neighbouring frames, segment lengths held fixed) scaled by the residual
  // variance. Larger where keypoints were missing, rejected or noisy.
  std::vector<std::array<double, 2>> knee_flexion_sd_deg;
  std::vector<std::array<double, 2>> hip_flexion_deg;   // thigh ahead of the trunk line
  std::vector<std::array<double, 2>> shank_angle_deg;   // from vertical, + ankle ahead of knee
  // Sole vs horizontal, + toes up; NaN when the keypoints have no heels or toes (COCO-17).
  std::vector<std::array<double, 2>> foot_angle_deg;
  std::vector<double> trunk_lean_deg;                   // + leaning forward
  SegmentLengths lengths;
  // Whether the gait-cycle prior was used (periodic running found; see FitOptions).
  bool cycle_prior_applied = false;
  // Frames whose left/right leg labels were exchanged before fitting.
  std::vector<bool> relabelled;
  // Frames where both knees were reported on one knee (both knee detections ignored).
  std::vector<bool> knees_merged;
  // Per frame and leg: some of that leg's keypoints were missing and filled by the model (its
  // knee, ankle, and heel or toe when the keypoints have feet at all).
  std::vector<std::array<bool, 2>> filled;
  // Per frame: RMS distance (px) between the model and the keypoints it used.
  std::vector<double> residual_px;
  // Rear/front views only (NaN in side views): per frame and leg the frontal plane projection
  // angle of hip-knee-ankle (METRICS.md: + valgus), and the pelvis obliquity (angle of the
  // hip-hip line to horizontal, + when the runner's right hip is lower).
  std::vector<std::array<double, 2>> fppa_deg;
  // Its 1-sigma uncertainty (rear/front views; NaN in side views), from the fit's Gauss-Newton
  // Hessian as knee_flexion_sd_deg's: large where the leg is folded (a short projected thigh or
  // shank makes the angle sensitive to every pixel) and where keypoints were missing. NaN too
  // where the fit failed and no covariance could be computed.
  std::vector<std::array<double, 2>> fppa_sd_deg;
  std::vector<double> pelvis_obliquity_deg;
  // Its 1-sigma uncertainty (rear/front views; NaN in side views, or where the fit failed), as
  // fppa_sd_deg's.
  std::vector<double> pelvis_obliquity_sd_deg;
  FitSummary summary;
};

// Fits the model to the whole sequence at once. Throws AnalysisError when there is too little
// to fit (fewer than 10 frames, or no usable hip, knee and ankle), OptionError for bad options,
// FormatError for an inconsistent sequence (PoseSequence::Validate: e.g. timestamps that do not
// increase).
FittedMotion FitLegModel(const PoseSequence& poses, const FitOptions& options = {});

// The view the keypoints look like (side, rear or front): side when the ankles swing far ahead
// of and behind the hips (10th-90th percentile range of ankle x - hip x over 0.45 leg lengths),
// else rear or front when the hips are a pelvis-width apart (see FitOptions::view).
View DetectView(const PoseSequence& poses, double min_confidence = 0.05);

}  // namespace gaitlens

#endif  // GAITLENS_MODEL_LEG_MODEL_H_
