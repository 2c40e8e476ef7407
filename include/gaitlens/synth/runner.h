// The synthetic treadmill runner: a 3D articulated body whose every gait event and metric is known
// because we put it there. Used as ground truth by tests, benchmarks and the demo.
//
// World frame: X forward (running direction), Y up, Z to the runner's right; metres; the belt
// surface is Y = 0 and moves backwards (-X) at the belt speed. See docs/synthetic.md.
#ifndef GAITLENS_SYNTH_RUNNER_H_
#define GAITLENS_SYNTH_RUNNER_H_

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include <Eigen/Core>

#include "gaitlens/core/view.h"

namespace gaitlens::synth {

enum Side : int { kLeft = 0, kRight = 1 };
const char* ToString(Side side);

// Everything that shapes the synthetic runner. Defaults: a recreational runner at 3.3 m/s.
struct RunnerParams {
  // Steps per minute (both feet counted). In [120, 240].
  double cadence_spm = 170.0;
  // Treadmill belt speed, m/s. In [1, 8].
  double belt_speed_m_s = 3.3;
  // Standing height, m; segment lengths follow anthropometric ratios (docs/synthetic.md). In
  // [1.2, 2.2].
  double height_m = 1.75;
  // Selects de Leva's (1996) male or female segment mass fractions for the centre of mass.
  Sex sex = Sex::kMale;
  // Contact time / stride time. In [0.2, 0.48] (running has a flight phase). Used when
  // contact_time_s is 0.
  double duty_factor = 0.35;
  // Contact time in seconds; 0 = derive from duty_factor.
  double contact_time_s = 0.0;
  // Horizontal distance of the heel ahead of the true centre of mass at initial contact, m.
  // In [-0.1, 0.45].
  double overstride_m = 0.15;
  // Knee flexion (180 - hip-knee-ankle angle) at initial contact, at midstance and at toe-off,
  // degrees. Midstance must exceed both others; all in [2, 70].
  double knee_flexion_ic_deg = 18.0;
  double knee_flexion_midstance_deg = 42.0;
  double knee_flexion_to_deg = 20.0;
  // Sole angle to the belt at initial contact, degrees: > 0 toes up (rearfoot strike), < 0 toes
  // down (forefoot strike). In [-25, 30].
  double foot_strike_angle_deg = 12.0;
  // Sole angle at toe-off (toes down, positive number), degrees. In [10, 60].
  double toe_off_angle_deg = 35.0;
  // Approximate peak knee flexion in swing (heel recovery), degrees. In [40, 150].
  double swing_knee_flexion_deg = 110.0;
  // Peak frontal plane projection angle during stance per side (left, right), degrees;
  // positive = valgus. In [-20, 30].
  std::array<double, 2> peak_valgus_deg = {6.0, 6.0};
  // Peak contralateral pelvic drop during stance of each side, degrees (positive = the swing-side
  // hip lower). In [-5, 15].
  std::array<double, 2> pelvic_drop_deg = {4.0, 4.0};
  // Forward lean of the trunk from vertical, degrees. In [-10, 30].
  double trunk_lean_deg = 8.0;
  // Shoulder flexion amplitude of the arm swing, degrees. In [0, 80].
  double arm_swing_deg = 35.0;
  // Elbow flexion, degrees. In [20, 140].
  double elbow_flexion_deg = 85.0;
  // Step time asymmetry (L - R) / mean * 100 %: the left step (left IC to right IC) is longer
  // for positive values. In [-20, 20].
  double step_time_asymmetry_pct = 0.0;
  // Lateral distance between the two feet's paths, m. In [-0.05, 0.3].
  double step_width_m = 0.08;
  // Step-to-step variability as a coefficient of variation: step time and contact time vary by
  // this fraction, overstride by this fraction of leg length, valgus and pelvic drop by
  // 50 * cv degrees (so 0.02 -> 1 degree). In [0, 0.1].
  double variability_cv = 0.02;
  // Seed of every random choice; identical seeds give identical runners.
  std::uint64_t seed = 1;

  void Check() const;  // throws OptionError naming the field
};

// Segment lengths (m) derived from height.
struct BodyDimensions {
  double thigh = 0, shank = 0, foot = 0, ankle_height = 0, heel_behind_ankle = 0;
  double hip_width = 0, shoulder_width = 0, trunk = 0, neck = 0, head = 0;
  double upper_arm = 0, forearm = 0, hand = 0;
  double leg() const { return thigh + shank; }
};
BodyDimensions DimensionsFromHeight(double height_m);

// Points of the 3D body. The first 23 are the canonical keypoints in their order.
enum BodyPoint : int {
  kLeftHip = 0, kRightHip, kLeftKnee, kRightKnee, kLeftAnkle, kRightAnkle, kLeftHeel, kRightHeel,
  kLeftBigToe, kRightBigToe, kLeftSmallToe, kRightSmallToe, kLeftShoulder, kRightShoulder,
  kLeftElbow, kRightElbow, kLeftWrist, kRightWrist, kNose, kLeftEye, kRightEye, kLeftEar, kRightEar,
  kHeadTop, kNeckBase, kPelvisCentre, kLeftHand, kRightHand, kNumBodyPoints
};
inline constexpr int kNumKeypointBodyPoints = 23;

struct BodyPose {
  double time_s = 0;
  std::array<Eigen::Vector3d, kNumBodyPoints> points;
  const Eigen::Vector3d& operator[](int point) const { return points[point]; }
};

// One stance of one foot, with exact times (seconds from the clip's first frame).
struct Stance {
  Side side = kLeft;
  double ic_s = 0;  // initial contact
  double to_s = 0;  // toe-off
  // Per-step targets drawn for this stance (parameters plus variability).
  double overstride_m = 0;
  double peak_valgus_deg = 0;
  double pelvic_drop_deg = 0;
};

// The runner: an event schedule plus continuous kinematics that can be evaluated at any time.
// Construction solves for the landing positions so that the heel lands overstride_m ahead of the
// true centre of mass, and for the knee swivel so that the frontal plane projection angle follows
// the requested valgus.
class RunnerModel {
 public:
  // Builds a runner for times [0, duration_s]. Throws OptionError for invalid or physically
  // impossible parameters (e.g. a knee flexion that the leg cannot reach).
  RunnerModel(const RunnerParams& params, double duration_s);
  ~RunnerModel();
  RunnerModel(RunnerModel&&) noexcept;
  RunnerModel& operator=(RunnerModel&&) noexcept;

  const RunnerParams& params() const;
  const BodyDimensions& dimensions() const;
  double duration_s() const;
  // All stances that overlap [0, duration_s] and a few around it, sorted by initial contact.
  const std::vector<Stance>& stances() const;

  BodyPose PoseAt(double time_s) const;
  // Centre of mass (de Leva 1996 segment fractions) of a pose.
  Eigen::Vector3d CentreOfMass(const BodyPose& pose) const;
  // Whether the foot of `side` is on the belt at time_s.
  bool InStance(Side side, double time_s) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gaitlens::synth

#endif  // GAITLENS_SYNTH_RUNNER_H_
