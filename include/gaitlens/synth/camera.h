// A pinhole camera placed beside, behind or in front of the treadmill.
#ifndef GAITLENS_SYNTH_CAMERA_H_
#define GAITLENS_SYNTH_CAMERA_H_

#include <Eigen/Core>

#include "gaitlens/core/view.h"

namespace gaitlens::synth {

struct CameraParams {
  // side, rear or front (not auto).
  View view = View::kSide;
  // Side view only: the runner faces image-right (camera on the runner's right) or image-left.
  bool facing_right = false;
  // Image size in pixels (portrait by default, like a phone on a tripod). Each in [64, 4096].
  int width = 720;
  int height = 1280;
  // Frames per second. In [25, 240].
  double fps = 120.0;
  // Distance from the camera to the runner's line of progression (side) or to the pelvis
  // (rear/front), m. In [1, 100].
  double distance_m = 3.5;
  // Focal length in pixels; 0 = chosen so that the standing runner spans runner_fraction of the
  // image height.
  double focal_px = 0.0;
  // See focal_px. In (0, 1].
  double runner_fraction = 0.5;
  // Height of the optical centre above the belt, m; 0 = the runner's standing hip height.
  double height_m = 0.0;
  // Small mounting errors, degrees: tilt > 0 looks down, roll > 0 turns the image clockwise,
  // pan > 0 turns the camera to its right. Each in [-20, 20].
  double tilt_deg = 0.0;
  double roll_deg = 0.0;
  double pan_deg = 0.0;

  void Check() const;  // throws OptionError naming the field
};

class Camera {
 public:
  Camera(const CameraParams& params, double runner_height_m);

  // Image position (pixels, x right, y down) of a world point.
  Eigen::Vector2d Project(const Eigen::Vector3d& world) const;
  // Distance of a world point along the optical axis, m (larger = farther).
  double Depth(const Eigen::Vector3d& world) const;
  const CameraParams& params() const { return params_; }
  double focal_px() const { return focal_px_; }
  const Eigen::Vector3d& position() const { return position_; }
  // +1 when world forward (+X) goes to image-right, -1 when it goes image-left; 0 for rear/front.
  int ForwardDirectionInImage() const;

 private:
  CameraParams params_;
  double focal_px_ = 0;
  Eigen::Vector3d position_;
  Eigen::Matrix3d camera_from_world_;
};

}  // namespace gaitlens::synth

#endif  // GAITLENS_SYNTH_CAMERA_H_
