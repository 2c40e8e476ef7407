// The leg model's autodiff cost functors against numeric differentiation (ceres::GradientChecker).
#include "model/side_view_costs.h"

#include <cmath>
#include <random>

#include <ceres/gradient_checker.h>
#include <gtest/gtest.h>

namespace gaitlens::internal {
namespace {

// Probes without a ProbeResults first: its Eigen members are allocated inside libceres and freed
// here, which AddressSanitizer reports as a mismatched aligned free when the two were compiled
// with different Eigen settings. The details are fetched only to explain a failure.
bool Probe(const ceres::CostFunction* cost, const std::vector<double*>& parameters) {
  ceres::NumericDiffOptions numeric;
  numeric.ridders_relative_initial_step_size = 1e-3;
  const std::vector<const ceres::Manifold*>* no_manifolds = nullptr;
  const ceres::GradientChecker checker(cost, no_manifolds, numeric);
  const bool ok = checker.Probe(parameters.data(), 1e-5, nullptr);
  if (!ok) {
    ceres::GradientChecker::ProbeResults results;
    checker.Probe(parameters.data(), 1e-5, &results);
    ADD_FAILURE() << results.error_log;
  }
  return ok;
}

TEST(SideViewCosts, FrameCostGradientsMatchNumericDifferentiation) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> unit(-1, 1);
  for (int direction : {-1, 1}) {
    std::array<std::array<double, 3>, kModelPoints> observed;
    for (auto& p : observed) p = {300 + 100 * unit(rng), 500 + 200 * unit(rng), 0.5 + 0.4 * unit(rng)};
    observed[7][2] = 0;  // one missing point
    const SideViewFrameCost functor(observed, 12.0, direction, direction < 0 ? 0 : 1);
    // The plain autodiff form, and the one the fit uses (the split's column derived).
    auto* cost = new ceres::AutoDiffCostFunction<SideViewFrameCost, SideViewFrameCost::kResiduals,
                                                 kFrameParameters, kGlobalParameters>(
        new SideViewFrameCost(functor));
    auto* fit_cost = new SideViewFrameCostFunction(functor);
    std::array<double, kFrameParameters> frame = {320,  480,   0.1,  0.3, -0.2,
                                                  0.05, -0.25, -0.6, 0.4, 4.0};
    std::array<double, kGlobalParameters> global = {160, 150, 20, 12, 60, 190, 0.95};
    // Include a knee beyond its limit so the limit residual's gradient is checked too.
    frame[4] = direction * 3.2;
    std::vector<double*> parameters = {frame.data(), global.data()};
    EXPECT_TRUE(Probe(cost, parameters));
    EXPECT_TRUE(Probe(fit_cost, parameters));
    // And the two agree to rounding.
    std::array<double, SideViewFrameCost::kResiduals> r1, r2;
    std::array<double, SideViewFrameCost::kResiduals * kFrameParameters> jf1, jf2;
    std::array<double, SideViewFrameCost::kResiduals * kGlobalParameters> jg1, jg2;
    double* j1[] = {jf1.data(), jg1.data()};
    double* j2[] = {jf2.data(), jg2.data()};
    ASSERT_TRUE(cost->Evaluate(parameters.data(), r1.data(), j1));
    ASSERT_TRUE(fit_cost->Evaluate(parameters.data(), r2.data(), j2));
    for (std::size_t k = 0; k < r1.size(); ++k) EXPECT_NEAR(r1[k], r2[k], 1e-12);
    for (std::size_t k = 0; k < jf1.size(); ++k) EXPECT_NEAR(jf1[k], jf2[k], 1e-9) << k;
    for (std::size_t k = 0; k < jg1.size(); ++k) EXPECT_NEAR(jg1[k], jg2[k], 1e-9) << k;
    delete cost;
    delete fit_cost;
  }
}

// The fit's analytic Jacobians against the autodiff functor over random frames of both legs
// and directions: points far off (the Cauchy loss flattening), close, and exactly on their
// keypoints, knees inside and beyond their limits, and unseen points. (Within a few hundredths of
// a pixel autodiff itself loses digits: d/ds of log(1 + s) / s cancels. The analytic form takes
// a series there, checked below.)
TEST(SideViewCosts, AnalyticJacobiansMatchAutodiffEverywhere) {
  std::mt19937 rng(17);
  std::uniform_real_distribution<double> unit(-1, 1);
  int checked = 0;
  for (int trial = 0; trial < 200; ++trial) {
    const int direction = trial % 2 == 0 ? 1 : -1;
    std::array<double, kFrameParameters> frame;
    for (int i = 0; i < kFrameParameters; ++i) frame[i] = unit(rng) * (i < 2 ? 300 : 2.0);
    frame[0] += 400;
    frame[1] += 400;
    frame[kHipSplit] = 8 * unit(rng);
    std::array<double, kGlobalParameters> global = {160 + 20 * unit(rng), 150 + 20 * unit(rng),
                                                    20 + 5 * unit(rng),   12 + 4 * unit(rng),
                                                    60 + 10 * unit(rng),  190 + 20 * unit(rng),
                                                    0.9 + 0.1 * unit(rng)};
    std::array<std::array<double, 2>, kModelPoints> points;
    SideViewPoints(frame.data(), global.data(), direction, direction < 0 ? 0 : 1, &points);
    std::array<std::array<double, 3>, kModelPoints> observed;
    for (int p = 0; p < kModelPoints; ++p) {
      // Offsets of 0 (on the point) and 0.5 to 300 px (an outlier).
      const double offset = (p + trial) % 5 == 0 ? 0.0 : std::pow(10.0, -0.3 + 2.8 * (0.5 + 0.5 * unit(rng)));
      const double angle = M_PI * unit(rng);
      observed[p] = {points[p][0] + offset * std::cos(angle), points[p][1] + offset * std::sin(angle),
                     (p + trial) % 7 == 3 ? 0.0 : 0.5 + 0.4 * unit(rng)};
    }
    const SideViewFrameCost functor(observed, 12.0, direction, direction < 0 ? 0 : 1);
    ceres::AutoDiffCostFunction<SideViewFrameCost, SideViewFrameCost::kResiduals, kFrameParameters,
                                kGlobalParameters>
        autodiff(new SideViewFrameCost(functor));
    const SideViewFrameCostFunction analytic(functor);
    const double* parameters[] = {frame.data(), global.data()};
    std::array<double, SideViewFrameCost::kResiduals> r1, r2;
    std::array<double, SideViewFrameCost::kResiduals * kFrameParameters> jf1, jf2;
    std::array<double, SideViewFrameCost::kResiduals * kGlobalParameters> jg1, jg2;
    double* j1[] = {jf1.data(), jg1.data()};
    double* j2[] = {jf2.data(), jg2.data()};
    ASSERT_TRUE(autodiff.Evaluate(parameters, r1.data(), j1));
    ASSERT_TRUE(analytic.Evaluate(parameters, r2.data(), j2));
    for (std::size_t k = 0; k < r1.size(); ++k) EXPECT_NEAR(r1[k], r2[k], 1e-12 * (1 + std::abs(r1[k]))) << trial << " " << k;
    for (std::size_t k = 0; k < jf1.size(); ++k) {
      EXPECT_NEAR(jf1[k], jf2[k], 1e-9 * (1 + std::abs(jf1[k]))) << trial << " frame " << k;
    }
    for (std::size_t k = 0; k < jg1.size(); ++k) {
      EXPECT_NEAR(jg1[k], jg2[k], 1e-9 * (1 + std::abs(jg1[k]))) << trial << " global " << k;
    }
    // Only one of the two Jacobians asked for.
    double* only_frame[] = {jf2.data(), nullptr};
    jf2.fill(7.0);
    ASSERT_TRUE(analytic.Evaluate(parameters, r2.data(), only_frame));
    for (std::size_t k = 0; k < jf1.size(); ++k) {
      EXPECT_NEAR(jf1[k], jf2[k], 1e-9 * (1 + std::abs(jf1[k]))) << trial << " frame only " << k;
    }
    ++checked;
  }
  EXPECT_EQ(checked, 200);
}

// The robust residual's Jacobian near a point's keypoint, where the analytic form switches to a
// series (squared error 1e-4 in robust-scale units): continuous across the switch, and tending
// to weight / scale (the Cauchy loss is quadratic at 0).
TEST(SideViewCosts, AnalyticJacobianIsContinuousNearTheKeypoint) {
  const std::array<double, kFrameParameters> frame = {320, 480, 0.1, 0.3, -0.2, 0.05, -0.25, -0.6, 0.4, 3.0};
  const std::array<double, kGlobalParameters> global = {160, 150, 20, 12, 60, 190, 0.95};
  std::array<std::array<double, 2>, kModelPoints> points;
  SideViewPoints(frame.data(), global.data(), 1, 1, &points);
  const double scale = 12.0, weight = 0.8;
  // d r_x / d hip x of the mid-shoulder (point 10), its error along x: offset px.
  const auto slope = [&](double offset) {
    std::array<std::array<double, 3>, kModelPoints> observed{};
    observed[10] = {points[10][0] - offset, points[10][1], weight * weight};
    const SideViewFrameCostFunction cost(SideViewFrameCost(observed, scale, 1, 1));
    const double* parameters[] = {frame.data(), global.data()};
    std::array<double, SideViewFrameCost::kResiduals> r;
    std::array<double, SideViewFrameCost::kResiduals * kFrameParameters> jf;
    std::array<double, SideViewFrameCost::kResiduals * kGlobalParameters> jg;
    double* j[] = {jf.data(), jg.data()};
    EXPECT_TRUE(cost.Evaluate(parameters, r.data(), j));
    return jf[20 * kFrameParameters + 0];
  };
  const double at_switch = scale * 1e-2;  // s = (offset / scale)^2 = 1e-4
  const double below = slope(at_switch * (1 - 1e-9)), above = slope(at_switch * (1 + 1e-9));
  EXPECT_NEAR(below, above, 1e-12 * std::abs(above));
  // d(f e)/de = f + 2 s f' = 1 - 3 s / 4 + O(s^2) along the error, f = sqrt(log(1 + s) / s).
  EXPECT_NEAR(slope(at_switch) * scale / weight, 1 - 0.75e-4, 1e-8);
  EXPECT_NEAR(slope(1e-6) * scale / weight, 1.0, 1e-12);
  EXPECT_DOUBLE_EQ(slope(0.0) * scale / weight, 1.0);
}

// The scalar-block form used by the fit evaluates the same residuals with the same gradients.
TEST(SideViewCosts, ScalarBlockFrameCostMatchesTheFrameCost) {
  std::array<std::array<double, 3>, kModelPoints> observed;
  for (int p = 0; p < kModelPoints; ++p) observed[p] = {300.0 + 7 * p, 500.0 - 11 * p, 0.8};
  const SideViewFrameCost frame_cost(observed, 12.0, 1, 1);
  auto* scalar = new SideViewFrameScalarCost::Function(new SideViewFrameScalarCost(frame_cost));
  std::array<double, kFrameParameters> frame = {320, 480, 0.1, 0.3, -0.2, 0.05, -0.25, -0.6, 0.4};
  std::array<double, kGlobalParameters> global = {160, 150, 20, 12, 60, 190, 0.95};
  std::vector<double*> parameters;
  for (double& x : frame) parameters.push_back(&x);
  parameters.push_back(global.data());
  EXPECT_TRUE(Probe(scalar, parameters));
  std::array<double, SideViewFrameCost::kResiduals> expected, actual;
  frame_cost(frame.data(), global.data(), expected.data());
  ASSERT_TRUE(scalar->Evaluate(parameters.data(), actual.data(), nullptr));
  for (int r = 0; r < SideViewFrameCost::kResiduals; ++r) EXPECT_DOUBLE_EQ(actual[r], expected[r]) << r;
  delete scalar;
}

// The analytic smoothness prior: Jacobians against numeric differentiation, and the residual
// against the second derivative of a known quadratic (exact for any time steps).
TEST(SideViewCosts, SecondDifferenceCostIsTheScaledSecondDerivative) {
  const double dt0 = 1.0 / 120, dt1 = 1.0 / 100, weight = 1e-3, unit = 320;
  SecondDifferenceCost cost(dt0, dt1, weight, unit);
  double a = 3.0, b = -1.0, c = 2.5;
  EXPECT_TRUE(Probe(&cost, {&a, &b, &c}));
  // x(t) = 5 t^2 + 2 t + 1 has x'' = 10 everywhere.
  auto x = [](double t) { return 5 * t * t + 2 * t + 1; };
  double x0 = x(-dt0), x1 = x(0), x2 = x(dt1);
  const double* parameters[3] = {&x0, &x1, &x2};
  double residual = 0;
  ASSERT_TRUE(cost.Evaluate(parameters, &residual, nullptr));
  EXPECT_NEAR(residual, std::sqrt(weight * 0.5 * (dt0 + dt1)) * 10 / unit, 1e-9);
}

TEST(SideViewCosts, PointsFollowTheSegmentLengths) {
  const std::array<double, kFrameParameters> frame = {100, 200, 0.0, 0.5, -0.1, 0.0, -0.3, -0.4, 0.2};
  const std::array<double, kGlobalParameters> global = {150, 140, 20, 10, 60, 180, 0.9};
  std::array<std::array<double, 2>, kModelPoints> p;
  SideViewPoints(frame.data(), global.data(), 1, 0, &p);
  EXPECT_NEAR(std::hypot(p[2][0] - p[0][0], p[2][1] - p[0][1]), 150, 1e-9);        // near thigh
  EXPECT_NEAR(std::hypot(p[3][0] - p[1][0], p[3][1] - p[1][1]), 0.9 * 150, 1e-9);  // far thigh
  EXPECT_NEAR(std::hypot(p[4][0] - p[2][0], p[4][1] - p[2][1]), 140, 1e-9);
  EXPECT_NEAR(std::hypot(p[8][0] - p[6][0], p[8][1] - p[6][1]), 80, 1e-9);  // heel to toe
  EXPECT_NEAR(p[10][1], 200 - 180, 1e-9);  // upright trunk
}

}  // namespace
}  // namespace gaitlens::internal
