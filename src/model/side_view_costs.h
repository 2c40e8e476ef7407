// Cost functors of the side-view leg model (templated for Ceres autodiff; checked by
// tests/model/side_view_costs_test.cc with ceres::GradientChecker).
#ifndef GAITLENS_SRC_MODEL_SIDE_VIEW_COSTS_H_
#define GAITLENS_SRC_MODEL_SIDE_VIEW_COSTS_H_

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

// SideViewFrameCost as the fit uses it: autodiff over the frame's variables but the hips' split,
// and the globals (16 numbers per Jet, which fill whole vector registers where 17 did not), and
// the split's Jacobian column from the mid-hip height's. The split only moves each leg's points
// vertically, by -1/2 (near leg) or +1/2 (far leg) of itself, as the mid-hip height moves all of
// them by its whole; so d r / d split = -/+ 1/2 d r / d hip_y for the near/far leg's points, 0
// for the mid-shoulder and the knee limits. Exact, and checked by GradientChecker.
class SideViewFrameCostFunction final
    : public ceres::SizedCostFunction<SideViewFrameCost::kResiduals, kFrameParameters,
                                      kGlobalParameters> {
 public:
  explicit SideViewFrameCostFunction(const SideViewFrameCost& cost) : cost_(cost) {}

  bool Evaluate(double const* const* parameters, double* residuals,
                double** jacobians) const override {
    const double* frame = parameters[0];
    const double* global = parameters[1];
    if (jacobians == nullptr || (jacobians[0] == nullptr && jacobians[1] == nullptr)) {
      return cost_(frame, global, residuals);
    }
    constexpr int kSplitFree = kFrameParameters - 1;  // the frame's variables but the split
    static_assert(kHipSplit == kSplitFree, "the split is the frame's last variable");
    using Jet = ceres::Jet<double, kSplitFree + kGlobalParameters>;
    std::array<Jet, kFrameParameters> frame_jets;
    std::array<Jet, kGlobalParameters> global_jets;
    for (int i = 0; i < kSplitFree; ++i) frame_jets[i] = Jet(frame[i], i);
    frame_jets[kHipSplit] = Jet(frame[kHipSplit]);
    for (int j = 0; j < kGlobalParameters; ++j) global_jets[j] = Jet(global[j], kSplitFree + j);
    std::array<Jet, SideViewFrameCost::kResiduals> r;
    if (!cost_(frame_jets.data(), global_jets.data(), r.data())) return false;
    for (int k = 0; k < SideViewFrameCost::kResiduals; ++k) {
      residuals[k] = r[k].a;
      if (jacobians[0] != nullptr) {
        double* row = jacobians[0] + k * kFrameParameters;
        for (int i = 0; i < kSplitFree; ++i) row[i] = r[k].v[i];
        const int point = k / 2;  // model points 0..9 are legs' (left/right interleaved)
        const double share = point >= 10 || k >= 2 * kModelPoints ? 0.0
                             : point % 2 == cost_.near_leg_       ? -0.5
                                                                  : 0.5;
        row[kHipSplit] = share * r[k].v[1];
      }
      if (jacobians[1] != nullptr) {
        double* row = jacobians[1] + k * kGlobalParameters;
        for (int j = 0; j < kGlobalParameters; ++j) row[j] = r[k].v[kSplitFree + j];
      }
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
