// Cost functors of the side-view leg model (templated for Ceres autodiff; checked by
// tests/model/side_view_costs_test.cc with ceres::GradientChecker).
#ifndef GAITLENS_SRC_MODEL_SIDE_VIEW_COSTS_H_
#define GAITLENS_SRC_MODEL_SIDE_VIEW_COSTS_H_

#include <algorithm>
#include <array>
#include <cmath>

#include <ceres/ceres.h>

#include "model/fit_util.h"

namespace gaitlens::internal {

// Per-frame parameters: mid-hip x, y (px), trunk angle, then per leg (left, right) thigh, shank
// and sole angles (rad), then the hip split (px): how far the far hip is below the near one in
// the image. Angles of thigh and shank are measured from the downward vertical, positive towards
// image +x; the trunk angle from the upward vertical, positive towards +x; the sole angle is the
// image angle of the heel->toe direction. (The split is the pelvis's obliquity seen from the
// side: the hips are a pelvis-width apart in depth, and the swing side drops a few degrees in
// each stance, which moves them several pixels apart vertically. With one hip point for both
// legs the fit put it between them, and the knee of a leg in swing came out 1.3 degrees short
// of its peak flexion on exact keypoints.)
inline constexpr int kFrameParameters = 10;
inline constexpr int kHipSplit = 9;
// Global parameters: thigh, shank (px), heel behind ankle, sole below ankle, toe ahead of ankle
// (px, along/across the sole), trunk length (px), far-leg scale.
inline constexpr int kGlobalParameters = 7;
// Modelled points: per leg hip, knee, ankle, heel, big toe (canonical order, left/right
// interleaved: 0..9) and the mid-shoulder point (10).
inline constexpr int kModelPoints = 11;

// Model point positions (x, y) for one frame. `direction` is +1 facing image-right, -1 left;
// `near_leg` is 0 (left) or 1 (right); the other leg is scaled by the far-leg scale.
template <typename T>
void SideViewPoints(const T* frame, const T* global, int direction, int near_leg,
                    std::array<std::array<T, 2>, kModelPoints>* points) {
  using std::cos;
  using std::sin;
  const T& hip_x = frame[0];
  for (int side = 0; side < 2; ++side) {
    const T scale = side == near_leg ? T(1.0) : global[6];
    const T hip_y = frame[1] + T(side == near_leg ? -0.5 : 0.5) * frame[kHipSplit];
    const T& thigh_angle = frame[3 + 3 * side];
    const T& shank_angle = frame[4 + 3 * side];
    const T& sole_angle = frame[5 + 3 * side];
    const T knee_x = hip_x + scale * global[0] * sin(thigh_angle);
    const T knee_y = hip_y + scale * global[0] * cos(thigh_angle);
    const T ankle_x = knee_x + scale * global[1] * sin(shank_angle);
    const T ankle_y = knee_y + scale * global[1] * cos(shank_angle);
    const T ux = cos(sole_angle), uy = sin(sole_angle);
    // Normal towards the sole (image-down for a flat foot).
    const T nx = T(direction) * (-uy), ny = T(direction) * ux;
    (*points)[side] = {hip_x, hip_y};
    (*points)[2 + side] = {knee_x, knee_y};
    (*points)[4 + side] = {ankle_x, ankle_y};
    (*points)[6 + side] = {ankle_x + scale * (-global[2] * ux + global[3] * nx),
                           ankle_y + scale * (-global[2] * uy + global[3] * ny)};
    (*points)[8 + side] = {ankle_x + scale * (global[4] * ux + global[3] * nx),
                           ankle_y + scale * (global[4] * uy + global[3] * ny)};
  }
  (*points)[10] = {hip_x + global[5] * sin(frame[2]), frame[1] - global[5] * cos(frame[2])};
}

// Reprojection of one frame's keypoints, each point robust on its own (Cauchy: the residual of a
// point is its error scaled by sqrt(log(1 + s) / s), s = squared error in units of the robust
// scale), weighted by sqrt(confidence); plus soft knee-flexion limits.
struct SideViewFrameCost {
  static constexpr int kResiduals = 2 * kModelPoints + 2;

  SideViewFrameCost(const std::array<std::array<double, 3>, kModelPoints>& observed,
                    double robust_scale_px, int direction, int near_leg)
      : observed_(observed), scale_(robust_scale_px), direction_(direction), near_leg_(near_leg) {}

  template <typename T>
  bool operator()(const T* frame, const T* global, T* residuals) const {
    std::array<std::array<T, 2>, kModelPoints> points;
    SideViewPoints(frame, global, direction_, near_leg_, &points);
    for (int p = 0; p < kModelPoints; ++p) {
      const double weight = std::sqrt(observed_[p][2]);
      if (weight <= 0) {
        residuals[2 * p] = T(0.0);
        residuals[2 * p + 1] = T(0.0);
        continue;
      }
      RobustPointResidual(T((points[p][0] - observed_[p][0]) / scale_),
                          T((points[p][1] - observed_[p][1]) / scale_), weight, residuals + 2 * p);
    }
    // Knee flexion (thigh minus shank angle, in the running direction) within [-5, 165] deg.
    for (int side = 0; side < 2; ++side) {
      const T flexion = T(direction_) * (frame[3 + 3 * side] - frame[4 + 3 * side]);
      const double low = -5.0 * M_PI / 180, high = 165.0 * M_PI / 180;
      T excess = T(0.0);
      if (flexion < T(low)) excess = T(low) - flexion;
      if (flexion > T(high)) excess = flexion - T(high);
      residuals[2 * kModelPoints + side] = T(kLimitWeight) * excess;
    }
    return true;
  }

  static constexpr double kLimitWeight = 20.0;
  std::array<std::array<double, 3>, kModelPoints> observed_;  // x, y, confidence (0 = unused)
  double scale_;
  int direction_;
  int near_leg_;
};

// SideViewFrameCost as the fit uses it: the same residuals (from the functor itself), with
// analytic Jacobians. Each model point depends on at most 11 of the 17 variables and a point's
// robust residual on its 2-d error only, so the chain rule is short; autodiff carried 16-number
// Jets (17 less the split, whose column follows from the mid-hip height's) through every
// operation and was a third of the fit's time. Checked against the autodiff functor (to
// rounding) and by GradientChecker in tests/model/side_view_costs_test.cc.
class SideViewFrameCostFunction final
    : public ceres::SizedCostFunction<SideViewFrameCost::kResiduals, kFrameParameters,
                                      kGlobalParameters> {
 public:
  explicit SideViewFrameCostFunction(const SideViewFrameCost& cost) : cost_(cost) {}

  bool Evaluate(double const* const* parameters, double* residuals,
                double** jacobians) const override {
    const double* x = parameters[0];
    const double* g = parameters[1];
    if (!cost_(x, g, residuals)) return false;
    if (jacobians == nullptr || (jacobians[0] == nullptr && jacobians[1] == nullptr)) return true;
    constexpr int R = SideViewFrameCost::kResiduals;
    double* jx = jacobians[0];
    double* jg = jacobians[1];
    if (jx != nullptr) std::fill_n(jx, R * kFrameParameters, 0.0);
    if (jg != nullptr) std::fill_n(jg, R * kGlobalParameters, 0.0);

    // Each point's partial derivatives, by column (frame variables 0..9, then the globals as
    // 10..16); the positions come from SideViewPoints below.
    struct Point {
      int count = 0;
      std::array<int, 11> column{};  // at most 3 (hip) + 2 (knee) + 2 (ankle) + 3 (sole) + 1 (scale)
      std::array<double, 11> dx{}, dy{};
      void Add(int c, double ddx, double ddy) {
        column[count] = c;
        dx[count] = ddx;
        dy[count] = ddy;
        ++count;
      }
    };
    constexpr int kG = kFrameParameters;  // column of global 0
    const double dir = cost_.direction_;
    std::array<Point, kModelPoints> points;
    for (int side = 0; side < 2; ++side) {
      const bool near = side == cost_.near_leg_;
      const double scale = near ? 1.0 : g[6];
      const double split_share = near ? -0.5 : 0.5;
      const double st = std::sin(x[3 + 3 * side]), ct = std::cos(x[3 + 3 * side]);
      const double ss = std::sin(x[4 + 3 * side]), cs = std::cos(x[4 + 3 * side]);
      const double so = std::sin(x[5 + 3 * side]), co = std::cos(x[5 + 3 * side]);
      // The hip and what every point of the leg shares with it.
      Point hip;
      hip.Add(0, 1, 0);
      hip.Add(1, 0, 1);
      hip.Add(kHipSplit, 0, split_share);
      points[side] = hip;
      Point knee = hip;
      knee.Add(3 + 3 * side, scale * g[0] * ct, -scale * g[0] * st);
      knee.Add(kG + 0, scale * st, scale * ct);
      Point ankle = knee;
      ankle.Add(4 + 3 * side, scale * g[1] * cs, -scale * g[1] * ss);
      ankle.Add(kG + 1, scale * ss, scale * cs);
      // The far leg's scale moves every point below the hip by its offset from the hip.
      const double ankle_ox = g[0] * st + g[1] * ss, ankle_oy = g[0] * ct + g[1] * cs;
      if (!near) knee.Add(kG + 6, g[0] * st, g[0] * ct);
      points[2 + side] = knee;
      // Sole direction u = (cos, sin), normal n = dir (-sin, cos); their derivatives by the
      // sole angle: du = (-sin, cos), dn = dir (-cos, -sin).
      const double ux = co, uy = so, nx = -dir * so, ny = dir * co;
      const double dux = -so, duy = co, dnx = -dir * co, dny = -dir * so;
      const int sole = 5 + 3 * side;
      Point heel = ankle, toe = ankle;
      heel.Add(sole, scale * (-g[2] * dux + g[3] * dnx), scale * (-g[2] * duy + g[3] * dny));
      heel.Add(kG + 2, -scale * ux, -scale * uy);
      heel.Add(kG + 3, scale * nx, scale * ny);
      toe.Add(sole, scale * (g[4] * dux + g[3] * dnx), scale * (g[4] * duy + g[3] * dny));
      toe.Add(kG + 3, scale * nx, scale * ny);
      toe.Add(kG + 4, scale * ux, scale * uy);
      if (!near) {
        ankle.Add(kG + 6, ankle_ox, ankle_oy);
        heel.Add(kG + 6, ankle_ox - g[2] * ux + g[3] * nx, ankle_oy - g[2] * uy + g[3] * ny);
        toe.Add(kG + 6, ankle_ox + g[4] * ux + g[3] * nx, ankle_oy + g[4] * uy + g[3] * ny);
      }
      points[4 + side] = ankle;
      points[6 + side] = heel;
      points[8 + side] = toe;
    }
    Point& shoulder = points[10];
    shoulder.Add(0, 1, 0);
    shoulder.Add(1, 0, 1);
    shoulder.Add(2, g[5] * std::cos(x[2]), g[5] * std::sin(x[2]));
    shoulder.Add(kG + 5, std::sin(x[2]), -std::cos(x[2]));

    // The robust residual r = w f(s) e of the error e (in robust-scale units), s = |e|^2,
    // f = sqrt(h), h = log(1 + s) / s: dr/de = w (f I + (h' / f) e e^T).
    std::array<std::array<double, 2>, kModelPoints> model;
    SideViewPoints(x, g, cost_.direction_, cost_.near_leg_, &model);
    const double inverse_scale = 1.0 / cost_.scale_;
    for (int p = 0; p < kModelPoints; ++p) {
      const double weight = std::sqrt(cost_.observed_[p][2]);
      if (weight <= 0) continue;
      const double ex = (model[p][0] - cost_.observed_[p][0]) * inverse_scale;
      const double ey = (model[p][1] - cost_.observed_[p][1]) * inverse_scale;
      const double s = ex * ex + ey * ey;
      double a = weight, b = 0;  // dr/de = a I + b e e^T
      if (s > 1e-12) {
        const double h = std::log(1.0 + s) / s;
        const double f = std::sqrt(h);
        // h' = (s / (1 + s) - log(1 + s)) / s^2, by its series where that cancels.
        const double dh = s < 1e-4 ? -0.5 + s * (2.0 / 3 - 0.75 * s)
                                   : (s / (1.0 + s) - std::log(1.0 + s)) / (s * s);
        a = weight * f;
        b = weight * dh / f;
      }
      const double m00 = (a + b * ex * ex) * inverse_scale, m01 = b * ex * ey * inverse_scale,
                   m11 = (a + b * ey * ey) * inverse_scale;
      const Point& point = points[p];
      for (int k = 0; k < point.count; ++k) {
        const double d0 = m00 * point.dx[k] + m01 * point.dy[k];
        const double d1 = m01 * point.dx[k] + m11 * point.dy[k];
        const int c = point.column[k];
        if (c < kG) {
          if (jx == nullptr) continue;
          jx[(2 * p) * kFrameParameters + c] += d0;
          jx[(2 * p + 1) * kFrameParameters + c] += d1;
        } else {
          if (jg == nullptr) continue;
          jg[(2 * p) * kGlobalParameters + c - kG] += d0;
          jg[(2 * p + 1) * kGlobalParameters + c - kG] += d1;
        }
      }
    }
    // The knee-flexion limits: linear in the thigh and shank angles beyond them.
    for (int side = 0; side < 2 && jx != nullptr; ++side) {
      const double flexion = dir * (x[3 + 3 * side] - x[4 + 3 * side]);
      const double low = -5.0 * M_PI / 180, high = 165.0 * M_PI / 180;
      double slope = 0;  // d excess / d flexion
      if (flexion < low) slope = -1;
      if (flexion > high) slope = 1;
      double* row = jx + (2 * kModelPoints + side) * kFrameParameters;
      row[3 + 3 * side] = SideViewFrameCost::kLimitWeight * slope * dir;
      row[4 + 3 * side] = -SideViewFrameCost::kLimitWeight * slope * dir;
    }
    return true;
  }

 private:
  SideViewFrameCost cost_;
};

// SideViewFrameCost with each of the frame's variables as its own size-1 parameter block (so
// that the smoothness priors stay sparse; see SecondDifferenceCost), then the global block.
struct SideViewFrameScalarCost {
  explicit SideViewFrameScalarCost(const SideViewFrameCost& cost) : cost_(cost) {}

  template <typename T>
  bool operator()(const T* x0, const T* x1, const T* x2, const T* x3, const T* x4, const T* x5,
                  const T* x6, const T* x7, const T* x8, const T* x9, const T* global,
                  T* residuals) const {
    const T frame[kFrameParameters] = {*x0, *x1, *x2, *x3, *x4, *x5, *x6, *x7, *x8, *x9};
    return cost_(frame, global, residuals);
  }

  using Function =
      ceres::AutoDiffCostFunction<SideViewFrameScalarCost, SideViewFrameCost::kResiduals, 1, 1, 1,
                                  1, 1, 1, 1, 1, 1, 1, kGlobalParameters>;
  SideViewFrameCost cost_;
};

}  // namespace gaitlens::internal

#endif  // GAITLENS_SRC_MODEL_SIDE_VIEW_COSTS_H_
