#include "gaitlens/synth/camera.h"

#include <cmath>

#include <Eigen/Geometry>

#include "gaitlens/core/error.h"

namespace gaitlens::synth {

namespace {
constexpr double kPi = 3.14159265358979323846;
double Rad(double deg) { return deg * kPi / 180.0; }
}  // namespace

void CameraParams::Check() const {
  GAITLENS_CHECK_INPUT(view != View::kAuto, OptionError,
                       "CameraParams.view must be side, rear or front");
  GAITLENS_CHECK_INPUT(width >= 64 && width <= 4096 && height >= 64 && height <= 4096, OptionError,
                       "CameraParams image size must be in [64, 4096] pixels, got ", width, "x",
                       height);
  GAITLENS_CHECK_INPUT(std::isfinite(fps) && fps >= 25 && fps <= 240, OptionError,
                       "CameraParams.fps must be in [25, 240], got ", fps);
  GAITLENS_CHECK_INPUT(std::isfinite(distance_m) && distance_m >= 1 && distance_m <= 100,
                       OptionError, "CameraParams.distance_m must be in [1, 100], got ", distance_m);
  GAITLENS_CHECK_INPUT(std::isfinite(focal_px) && focal_px >= 0 && focal_px <= 1e5, OptionError,
                       "CameraParams.focal_px must be 0 (automatic) or in (0, 1e5], got ", focal_px);
  GAITLENS_CHECK_INPUT(std::isfinite(runner_fraction) && runner_fraction > 0 && runner_fraction <= 1,
                       OptionError, "CameraParams.runner_fraction must be in (0, 1], got ",
                       runner_fraction);
  GAITLENS_CHECK_INPUT(std::isfinite(height_m) && height_m >= 0 && height_m <= 5, OptionError,
                       "CameraParams.height_m must be 0 (automatic) or in (0, 5], got ", height_m);
  for (const auto& [value, name] : {std::pair{tilt_deg, "tilt_deg"}, std::pair{roll_deg, "roll_deg"},
                                    std::pair{pan_deg, "pan_deg"}}) {
    GAITLENS_CHECK_INPUT(std::isfinite(value) && std::abs(value) <= 20, OptionError, "CameraParams.",
                         name, " must be in [-20, 20], got ", value);
  }
}

Camera::Camera(const CameraParams& params, double runner_height_m) : params_(params) {
  params.Check();
  const double camera_height = params.height_m > 0 ? params.height_m : 0.53 * runner_height_m;
  focal_px_ = params.focal_px > 0
                  ? params.focal_px
                  : params.runner_fraction * params.height * params.distance_m / runner_height_m;
  Eigen::Vector3d forward;
  switch (params.view) {
    case View::kSide:
      // Facing right: camera on the runner's right (+Z) looking towards -Z.
      forward = params.facing_right ? Eigen::Vector3d(0, 0, -1) : Eigen::Vector3d(0, 0, 1);
      break;
    case View::kRear:
      forward = Eigen::Vector3d(1, 0, 0);
      break;
    default:
      forward = Eigen::Vector3d(-1, 0, 0);
      break;
  }
  position_ = Eigen::Vector3d(0, camera_height, 0) - params.distance_m * forward;
  const Eigen::Vector3d up(0, 1, 0);
  const Eigen::Vector3d right = forward.cross(up);
  Eigen::Matrix3d base;
  base.row(0) = right.transpose();
  base.row(1) = (-up).transpose();
  base.row(2) = forward.transpose();
  // Mounting errors in the camera frame (x right, y down, z forward).
  const Eigen::Matrix3d tilt = Eigen::AngleAxisd(-Rad(params.tilt_deg), Eigen::Vector3d::UnitX()).toRotationMatrix();
  const Eigen::Matrix3d pan = Eigen::AngleAxisd(Rad(params.pan_deg), Eigen::Vector3d::UnitY()).toRotationMatrix();
  const Eigen::Matrix3d roll = Eigen::AngleAxisd(Rad(params.roll_deg), Eigen::Vector3d::UnitZ()).toRotationMatrix();
  camera_from_world_ = roll.transpose() * tilt.transpose() * pan.transpose() * base;
}

Eigen::Vector2d Camera::Project(const Eigen::Vector3d& world) const {
  const Eigen::Vector3d p = camera_from_world_ * (world - position_);
  return {0.5 * params_.width + focal_px_ * p.x() / p.z(),
          0.5 * params_.height + focal_px_ * p.y() / p.z()};
}

double Camera::Depth(const Eigen::Vector3d& world) const {
  return (camera_from_world_ * (world - position_)).z();
}

int Camera::ForwardDirectionInImage() const {
  if (params_.view != View::kSide) return 0;
  return params_.facing_right ? 1 : -1;
}

}  // namespace gaitlens::synth
