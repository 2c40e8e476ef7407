// Pieces shared by the side-view and rear/front leg model fits (private).
#ifndef GAITLENS_SRC_MODEL_FIT_UTIL_H_
#define GAITLENS_SRC_MODEL_FIT_UTIL_H_

#include <algorithm>
#include <array>
#include <cmath>
#include <future>
#include <vector>

#include <ceres/ceres.h>

#include "gaitlens/model/leg_model.h"
#include "model/banded_solver.h"

namespace gaitlens::internal {

// A point's reprojection error (ex, ey, already in units of the robust scale) made robust on its
// own: scaled by sqrt(log(1 + s) / s), s = ex^2 + ey^2, so its square is the Cauchy loss; then
// weighted. Writes two residuals.
template <typename T>
void RobustPointResidual(const T& ex, const T& ey, double weight, T* residuals) {
  using std::log;
  using std::sqrt;
  const T s = ex * ex + ey * ey;
  T factor = T(1.0);
  if (s > T(1e-12)) factor = sqrt(log(T(1.0) + s) / s);
  residuals[0] = T(weight) * factor * ex;
  residuals[1] = T(weight) * factor * ey;
}

// Smoothness prior on one scalar variable: sqrt(weight * dt) / unit times its second time
// derivative from three consecutive frames with their real time steps (dt = mean step), so the
// sum over frames approximates weight * integral of (x'' / unit)^2 dt whatever the frame rate.
// As a Ceres cost (constant analytic Jacobians, each variable a size-1 parameter block) it is
// the reference formulation the banded solver is tested against.
std::array<double, 3> SecondDifferenceCoefficients(double dt_before, double dt_after, double weight,
                                                  double unit);

class SecondDifferenceCost final : public ceres::SizedCostFunction<1, 1, 1, 1> {
 public:
  SecondDifferenceCost(double dt_before, double dt_after, double weight, double unit);
  bool Evaluate(double const* const* parameters, double* residuals,
                double** jacobians) const override;

 private:
  double a_, b_, c_;  // residual = a x[t-1] + b x[t] + c x[t+1]
};

// The banded solver's prior coefficients (BandedProblem::smoothness) for n frames of N variables
// at times_s; units[i] is variable i's unit (e.g. the leg length for pixel positions, 1 for
// radians).
std::vector<std::array<double, 3>> SmoothnessCoefficients(const std::vector<double>& times_s, int N,
                                                          double weight, const std::vector<double>& units);

// Solves with the fits' shared settings (FitOptions' iterations and threads) and fills `summary`
// (all but `usable`); with variance_pairs, also the marginal variances (see SolveBanded).
BandedSolution SolveLegProblem(const FitOptions& options, BandedProblem* problem, FitSummary* summary,
                               const std::vector<std::array<int, 2>>& variance_pairs = {});

// Runs body(0) and body(1), the two legs' independent work, on two threads when `threads` allows
// (FitOptions::num_threads); an exception from either is rethrown here.
template <typename Body>
void ForBothLegs(int threads, const Body& body) {
  if (threads < 2) {
    body(0);
    body(1);
    return;
  }
  std::future<void> other = std::async(std::launch::async, [&body] { body(1); });
  body(0);
  other.get();
}

// Folds a warm-started refit into the summary of the solve it continued: iterations and time add
// up, the final cost, termination and residual count are the refit's.
void AddRefit(const FitSummary& refit, FitSummary* summary);

// How much the residuals' correlation from frame to frame inflates the variance of a fit that
// assumes them independent: (1 + rho) / (1 - rho) for the pooled lag-one autocorrelation rho of
// the residuals r = keypoint - model point over points seen in consecutive frames (residuals
// beyond `clip_px` are left out as outliers), within [1, 4]. A detector's jitter is correlated
// over a few frames, and a fit that smooths over them knows less than it would with independent
// noise. observed[f][k] = {x, y, confidence (<= 0: not seen)}, model[f][k] = {x, y}.
template <std::size_t K>
double ResidualCorrelationFactor(const std::vector<std::array<std::array<double, 3>, K>>& observed,
                                 const std::vector<std::array<std::array<double, 2>, K>>& model,
                                 double clip_px) {
  double products = 0, squares = 0;
  for (std::size_t f = 1; f < observed.size() && f < model.size(); ++f) {
    for (std::size_t k = 0; k < K; ++k) {
      if (observed[f - 1][k][2] <= 0 || observed[f][k][2] <= 0) continue;
      for (int i = 0; i < 2; ++i) {
        const double a = observed[f - 1][k][i] - model[f - 1][k][i];
        const double b = observed[f][k][i] - model[f][k][i];
        if (std::abs(a) > clip_px || std::abs(b) > clip_px) continue;
        products += a * b;
        squares += 0.5 * (a * a + b * b);
      }
    }
  }
  if (!(squares > 0)) return 1.0;
  const double rho = std::clamp(products / squares, 0.0, 0.6);
  return (1 + rho) / (1 - rho);
}

// The weight of a gait-cycle anchor, in the cost's units (a keypoint residual is an error over
// the robust scale): the keypoints' jitter over the robust scale, squared, over the squared
// deviation the anchor allows, the runner's own (`allowed`) plus the template's error from an
// uncertain phase (`timing`, TimingDeviation).
inline double AnchorWeight(double sigma_px, double robust_px, double allowed, double timing = 0) {
  return std::pow(sigma_px / robust_px, 2) / (allowed * allowed + timing * timing);
}

// Points the smoothness prior at the anchors: where a variable is anchored (weight > 0) in three
// consecutive frames, its second-difference target becomes the anchors' own second difference,
// so that the prior smooths the departure from the gait-cycle template instead of the motion
// (a second-difference prior on the motion itself shaves the sharp turns a template has, e.g.
// the knee's swing peak); elsewhere 0.
// `variables` lists the frame variables this applies to (all when empty).
void SetSmoothnessTargets(BandedProblem* problem, const std::vector<int>& variables = {});

// Fills NaN entries by linear interpolation between valid neighbours, constant beyond the ends;
// `fallback` everywhere when nothing is valid.
void InterpolateGaps(std::vector<double>* values, double fallback);

}  // namespace gaitlens::internal

#endif  // GAITLENS_SRC_MODEL_FIT_UTIL_H_
