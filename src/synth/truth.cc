#include "gaitlens/synth/truth.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#include <Eigen/Geometry>

#include "gaitlens/core/error.h"

namespace gaitlens::synth {

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
double Deg(double rad) { return rad * 180.0 / kPi; }

using Vec2 = Eigen::Vector2d;

// 2D measurements in image convention (x right, y down); dir = +1 when forward is image-right.
double KneeFlexion2d(const Vec2& hip, const Vec2& knee, const Vec2& ankle) {
  const Vec2 u = hip - knee, v = ankle - knee;
  return 180.0 - Deg(std::atan2(std::abs(u.x() * v.y() - u.y() * v.x()), u.dot(v)));
}
double ShankAngle2d(const Vec2& knee, const Vec2& ankle, int dir) {
  return Deg(std::atan2(dir * (ankle.x() - knee.x()), ankle.y() - knee.y()));
}
double FootStrike2d(const Vec2& heel, const Vec2& toe, int dir) {
  return Deg(std::atan2(-(toe.y() - heel.y()), dir * (toe.x() - heel.x())));
}
// Positive when the swing-side hip is lower (larger image y).
double PelvicDrop2d(const Vec2& stance_hip, const Vec2& swing_hip) {
  return Deg(std::atan2(swing_hip.y() - stance_hip.y(), std::abs(swing_hip.x() - stance_hip.x())));
}
// Stance femur against the perpendicular to the hip-hip line, + when the knee is medial.
double HipAdduction2d(const Vec2& stance_hip, const Vec2& swing_hip, const Vec2& knee) {
  const Vec2 medial = (swing_hip - stance_hip).normalized();
  Vec2 down(-medial.y(), medial.x());
  if (down.y() < 0) down = -down;
  const Vec2 femur = knee - stance_hip;
  return Deg(std::atan2(femur.dot(medial), femur.dot(down)));
}

Vec2 Sagittal(const Eigen::Vector3d& p) { return {p.x(), -p.y()}; }
Vec2 Rear(const Eigen::Vector3d& p) { return {p.z(), -p.y()}; }

double KneeFlexion3d(const BodyPose& pose, Side side) {
  const Eigen::Vector3d u = pose[kLeftHip + side] - pose[kLeftKnee + side];
  const Eigen::Vector3d v = pose[kLeftAnkle + side] - pose[kLeftKnee + side];
  return 180.0 - Deg(std::atan2(u.cross(v).norm(), u.dot(v)));
}

// Argument of the maximum of f on [a, b]: dense sampling, then golden-section refinement.
double ArgMax(const std::function<double(double)>& f, double a, double b) {
  const int samples = 120;
  int best = 0;
  double best_value = -std::numeric_limits<double>::infinity();
  for (int i = 0; i <= samples; ++i) {
    const double value = f(a + (b - a) * i / samples);
    if (value > best_value) {
      best_value = value;
      best = i;
    }
  }
  double lo = a + (b - a) * std::max(0, best - 1) / samples;
  double hi = a + (b - a) * std::min(samples, best + 1) / samples;
  const double golden = 0.5 * (std::sqrt(5.0) - 1.0);
  for (int iteration = 0; iteration < 60; ++iteration) {
    const double x1 = hi - golden * (hi - lo), x2 = lo + golden * (hi - lo);
    if (f(x1) >= f(x2)) {
      hi = x2;
    } else {
      lo = x1;
    }
  }
  return 0.5 * (lo + hi);
}

}  // namespace

double FrontalPlaneProjectionAngleDeg(const Vec2& hip, const Vec2& knee, const Vec2& ankle,
                                      double midline_x) {
  const Vec2 u = knee - hip, v = ankle - knee;
  const double angle = Deg(std::atan2(std::abs(u.x() * v.y() - u.y() * v.x()), u.dot(v)));
  const double along = (knee.y() - hip.y()) / (ankle.y() - hip.y());
  const double line_x = hip.x() + along * (ankle.x() - hip.x());
  const double medial_sign = midline_x > line_x ? 1.0 : -1.0;
  return (knee.x() - line_x) * medial_sign >= 0 ? angle : -angle;
}

GroundTruth ComputeGroundTruth(const RunnerModel& runner, const Camera& camera,
                               const std::vector<double>& frame_times_s) {
  GroundTruth truth;
  truth.runner = runner.params();
  truth.camera = camera.params();
  truth.dimensions = runner.dimensions();
  truth.duration_s = runner.duration_s();
  truth.num_frames = static_cast<int>(frame_times_s.size());
  const double leg = truth.dimensions.leg();
  const View view = camera.params().view;
  const int dir = camera.ForwardDirectionInImage();
  auto project = [&](const Eigen::Vector3d& p) { return camera.Project(p); };

  const std::vector<Stance>& stances = runner.stances();
  auto next_ic = [&](std::size_t i, bool same_side) {
    for (std::size_t j = i + 1; j < stances.size(); ++j) {
      if ((stances[j].side == stances[i].side) == same_side) return stances[j].ic_s;
    }
    return kNaN;
  };

  std::vector<double> step_times;
  for (std::size_t i = 0; i < stances.size(); ++i) {
    const Stance& stance = stances[i];
    if (stance.ic_s < 0 || stance.ic_s > truth.duration_s) continue;
    const Side side = stance.side;
    const Side other = side == kLeft ? kRight : kLeft;
    StepTruth step;
    step.side = side;
    step.ic_s = stance.ic_s;
    step.to_s = stance.to_s;
    const double other_ic = next_ic(i, false);
    step.step_time_s = other_ic - stance.ic_s;
    step.stride_time_s = next_ic(i, true) - stance.ic_s;
    step.contact_time_s = stance.to_s - stance.ic_s;
    step.flight_time_s = other_ic - stance.to_s;
    step.duty_factor = step.contact_time_s / step.stride_time_s;
    step_times.push_back(step.step_time_s);

    step.midstance_s = ArgMax([&](double t) { return KneeFlexion3d(runner.PoseAt(t), side); },
                              stance.ic_s, stance.to_s);
    step.lowest_pelvis_s = ArgMax([&](double t) { return -runner.PoseAt(t)[kPelvisCentre].y(); },
                                  stance.ic_s, stance.to_s);

    const BodyPose ic = runner.PoseAt(stance.ic_s);
    const Eigen::Vector3d com_ic = runner.CentreOfMass(ic);
    const Eigen::Vector3d& heel = ic[kLeftHeel + side];
    const Eigen::Vector3d& toe = ic[kLeftBigToe + side];
    const Eigen::Vector3d& knee = ic[kLeftKnee + side];
    const Eigen::Vector3d& ankle = ic[kLeftAnkle + side];
    const Eigen::Vector3d& hip = ic[kLeftHip + side];
    step.overstride_m = heel.x() - com_ic.x();
    step.overstride_leg = step.overstride_m / leg;
    step.hip_to_ankle_m = ankle.x() - hip.x();
    step.shank_angle_deg = ShankAngle2d(Sagittal(knee), Sagittal(ankle), 1);
    step.knee_flexion_ic_deg = KneeFlexion3d(ic, side);
    step.foot_strike_angle_deg = FootStrike2d(Sagittal(heel), Sagittal(toe), 1);
    const BodyPose mid = runner.PoseAt(step.midstance_s);
    step.knee_flexion_midstance_deg = KneeFlexion3d(mid, side);

    double com_min = std::numeric_limits<double>::infinity(), com_max = -com_min;
    for (int k = 0; k <= 200; ++k) {
      const double t = stance.ic_s + (other_ic - stance.ic_s) * k / 200.0;
      const double y = runner.CentreOfMass(runner.PoseAt(t)).y();
      com_min = std::min(com_min, y);
      com_max = std::max(com_max, y);
    }
    step.vertical_oscillation_m = com_max - com_min;

    if (view == View::kSide) {
      step.overstride_px = dir * (project(heel).x() - project(com_ic).x());
      step.shank_angle_camera_deg = ShankAngle2d(project(knee), project(ankle), dir);
      step.knee_flexion_ic_camera_deg = KneeFlexion2d(project(hip), project(knee), project(ankle));
      step.knee_flexion_midstance_camera_deg =
          KneeFlexion2d(project(mid[kLeftHip + side]), project(mid[kLeftKnee + side]),
                        project(mid[kLeftAnkle + side]));
      step.foot_strike_angle_camera_deg = FootStrike2d(project(heel), project(toe), dir);
    } else {
      step.overstride_px = step.shank_angle_camera_deg = step.knee_flexion_ic_camera_deg = kNaN;
      step.knee_flexion_midstance_camera_deg = step.foot_strike_angle_camera_deg = kNaN;
    }

    // Frontal metrics: ideal orthographic rear view, and the camera when it looks frontally.
    auto frontal = [&](const BodyPose& pose, auto&& to2d, double* fppa, double* drop,
                       double* adduction) {
      const Vec2 stance_hip = to2d(pose[kLeftHip + side]);
      const Vec2 swing_hip = to2d(pose[kLeftHip + other]);
      const double midline = 0.5 * (stance_hip.x() + swing_hip.x());
      *fppa = FrontalPlaneProjectionAngleDeg(stance_hip, to2d(pose[kLeftKnee + side]),
                                             to2d(pose[kLeftAnkle + side]), midline);
      if (drop != nullptr) *drop = PelvicDrop2d(stance_hip, swing_hip);
      if (adduction != nullptr) {
        *adduction = HipAdduction2d(stance_hip, swing_hip, to2d(pose[kLeftKnee + side]));
      }
    };
    auto peak_fppa = [&](auto&& to2d) {
      auto fppa_at = [&](double t) {
        double value;
        frontal(runner.PoseAt(t), to2d, &value, nullptr, nullptr);
        return value;
      };
      const double t_max = ArgMax(fppa_at, stance.ic_s, stance.to_s);
      const double t_min = ArgMax([&](double t) { return -fppa_at(t); }, stance.ic_s, stance.to_s);
      const double v_max = fppa_at(t_max), v_min = fppa_at(t_min);
      return std::abs(v_max) >= std::abs(v_min) ? v_max : v_min;
    };
    const BodyPose low = runner.PoseAt(step.lowest_pelvis_s);
    frontal(low, Rear, &step.fppa_midstance_deg, &step.pelvic_drop_deg, &step.hip_adduction_deg);
    step.fppa_peak_deg = peak_fppa(Rear);
    if (view == View::kRear || view == View::kFront) {
      frontal(low, project, &step.fppa_midstance_camera_deg, &step.pelvic_drop_camera_deg,
              &step.hip_adduction_camera_deg);
      step.fppa_peak_camera_deg = peak_fppa(project);
    } else {
      step.fppa_midstance_camera_deg = step.fppa_peak_camera_deg = kNaN;
      step.pelvic_drop_camera_deg = step.hip_adduction_camera_deg = kNaN;
    }
    truth.steps.push_back(step);
  }
  GAITLENS_CHECK_INPUT(!step_times.empty(), OptionError,
                       "synthetic clip too short: no initial contact inside ", truth.duration_s,
                       " s");
  std::vector<double> sorted = step_times;
  std::sort(sorted.begin(), sorted.end());
  const std::size_t n = sorted.size();
  const double median = n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
  truth.cadence_spm = 60.0 / median;

  truth.frame_times_s = frame_times_s;
  for (double t : frame_times_s) {
    const BodyPose pose = runner.PoseAt(t);
    const Eigen::Vector3d com = runner.CentreOfMass(pose);
    truth.com_m.push_back(com);
    truth.com_px.push_back(camera.Project(com));
    truth.in_stance.push_back({runner.InStance(kLeft, t), runner.InStance(kRight, t)});
  }
  return truth;
}

}  // namespace gaitlens::synth
