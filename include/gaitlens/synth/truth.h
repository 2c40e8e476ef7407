// Ground truth of a synthetic clip: exact event times and every metric of METRICS.md, computed
// from the 3D model (and, where a 2D measurement is meant, from a perfect projection).
#ifndef GAITLENS_SYNTH_TRUTH_H_
#define GAITLENS_SYNTH_TRUTH_H_

#include <string>
#include <vector>

#include <Eigen/Core>

#include "gaitlens/synth/camera.h"
#include "gaitlens/synth/runner.h"

namespace gaitlens::synth {

// One stance (a "step" in the per-step tables) and the metrics attached to it. Times in seconds
// from the first frame. Values a view cannot give are NaN (e.g. *_camera side metrics in a rear
// view).
struct StepTruth {
  Side side = kLeft;
  double ic_s = 0, to_s = 0;
  // Time of maximum knee flexion during stance (the side-view midstance).
  double midstance_s = 0;
  // Time of the lowest pelvis during stance (the rear/front-view midstance).
  double lowest_pelvis_s = 0;
  // IC to the other foot's next IC; IC to this foot's next IC; TO - IC; next other IC - TO.
  double step_time_s = 0, stride_time_s = 0, contact_time_s = 0, flight_time_s = 0;
  double duty_factor = 0;  // contact / stride

  // Sagittal metrics at IC from the 3D model (forward = +X).
  double overstride_m = 0;       // heel ahead of the true segmental centre of mass
  double overstride_leg = 0;     // the same in leg lengths (thigh + shank)
  double hip_to_ankle_m = 0;     // ankle ahead of the stance hip, horizontally
  double shank_angle_deg = 0;    // knee->ankle from vertical, + when the ankle is ahead
  double knee_flexion_ic_deg = 0;         // 3D knee flexion
  double knee_flexion_midstance_deg = 0;  // 3D knee flexion at midstance_s
  double foot_strike_angle_deg = 0;       // sole against the belt, + toes up
  double vertical_oscillation_m = 0;      // centre-of-mass range from IC to the next other IC

  // The same sagittal metrics as a perfect 2D measurement from the side camera would give them.
  double overstride_px = 0;  // heel minus projected centre of mass, along the running direction
  double shank_angle_camera_deg = 0, knee_flexion_ic_camera_deg = 0;
  double knee_flexion_midstance_camera_deg = 0, foot_strike_angle_camera_deg = 0;

  // Frontal metrics (METRICS.md) in an ideal orthographic rear view, at lowest_pelvis_s, and
  // the peak FPPA over the stance.
  double fppa_midstance_deg = 0, fppa_peak_deg = 0;
  double pelvic_drop_deg = 0, hip_adduction_deg = 0;
  // The same from the rear/front camera (NaN for a side camera).
  double fppa_midstance_camera_deg = 0, fppa_peak_camera_deg = 0;
  double pelvic_drop_camera_deg = 0, hip_adduction_camera_deg = 0;
};

struct GroundTruth {
  RunnerParams runner;
  CameraParams camera;
  BodyDimensions dimensions;
  double duration_s = 0;
  int num_frames = 0;
  // Stances whose initial contact lies inside the clip, in time order.
  std::vector<StepTruth> steps;
  // 60 / median step time, steps per minute.
  double cadence_spm = 0;
  // Per frame: time, 3D centre of mass, its image position, whether each foot is on the belt.
  std::vector<double> frame_times_s;
  std::vector<Eigen::Vector3d> com_m;
  std::vector<Eigen::Vector2d> com_px;
  std::vector<std::array<bool, 2>> in_stance;
};

GroundTruth ComputeGroundTruth(const RunnerModel& runner, const Camera& camera,
                               const std::vector<double>& frame_times_s);

// Frontal plane projection angle from 2D image points (x right, y down): 0 = straight, positive =
// valgus (knee towards the midline, given by midline_x). Exposed for tests.
double FrontalPlaneProjectionAngleDeg(const Eigen::Vector2d& hip, const Eigen::Vector2d& knee,
                                      const Eigen::Vector2d& ankle, double midline_x);

}  // namespace gaitlens::synth

#endif  // GAITLENS_SYNTH_TRUTH_H_
