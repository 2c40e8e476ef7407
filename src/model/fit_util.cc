#include "model/fit_util.h"

#include <algorithm>
#include <chrono>

namespace gaitlens::internal {

std::array<double, 3> SecondDifferenceCoefficients(double dt_before, double dt_after, double weight,
                                                  double unit) {
  const double dt = 0.5 * (dt_before + dt_after);
  const double w = std::sqrt(weight * dt) / unit / dt;
  return {w / dt_before, -w * (1 / dt_before + 1 / dt_after), w / dt_after};
}

SecondDifferenceCost::SecondDifferenceCost(double dt_before, double dt_after, double weight,
                                           double unit) {
  const std::array<double, 3> c = SecondDifferenceCoefficients(dt_before, dt_after, weight, unit);
  a_ = c[0];
  b_ = c[1];
  c_ = c[2];
}

bool SecondDifferenceCost::Evaluate(double const* const* parameters, double* residuals,
                                    double** jacobians) const {
  residuals[0] = a_ * parameters[0][0] + b_ * parameters[1][0] + c_ * parameters[2][0];
  if (jacobians != nullptr) {
    if (jacobians[0] != nullptr) jacobians[0][0] = a_;
    if (jacobians[1] != nullptr) jacobians[1][0] = b_;
    if (jacobians[2] != nullptr) jacobians[2][0] = c_;
  }
  return true;
}

std::vector<std::array<double, 3>> SmoothnessCoefficients(const std::vector<double>& times_s, int N,
                                                          double weight, const std::vector<double>& units) {
  const int n = static_cast<int>(times_s.size());
  std::vector<std::array<double, 3>> coefficients(static_cast<std::size_t>(n) * N, {0, 0, 0});
  for (int f = 1; f + 1 < n; ++f) {
    const double dt0 = std::max(1e-4, times_s[f] - times_s[f - 1]);
    const double dt1 = std::max(1e-4, times_s[f + 1] - times_s[f]);
    for (int i = 0; i < N; ++i) {
      coefficients[f * N + i] = SecondDifferenceCoefficients(dt0, dt1, weight, units[i]);
    }
  }
  return coefficients;
}

BandedSolution SolveLegProblem(const FitOptions& options, BandedProblem* problem, FitSummary* summary,
                               const std::vector<std::array<int, 2>>& variance_pairs) {
  BandedSolverOptions solver;
  solver.max_iterations = options.max_iterations;
  solver.num_threads = options.num_threads;
  // A step that lowers the cost by less than 0.1 % changes the fitted angles by hundredths of
  // a degree (measured on the synthetic sweep): stop there.
  solver.function_tolerance = 1e-3;
  solver.compute_variances = !variance_pairs.empty();
  return SolveBanded(solver, problem, summary, variance_pairs);
}

void AddRefit(const FitSummary& refit, FitSummary* summary) {
  summary->iterations += refit.iterations;
  summary->final_cost = refit.final_cost;
  summary->termination = refit.termination;
  summary->solve_seconds += refit.solve_seconds;
  summary->num_residuals = refit.num_residuals;
}

void SetSmoothnessTargets(BandedProblem* problem, const std::vector<int>& variables) {
  const int n = problem->num_frames, N = problem->frame_size;
  problem->smoothness_targets.assign(static_cast<std::size_t>(n) * N, 0.0);
  if (problem->anchor_weights.empty()) return;
  const auto& m = problem->anchor_values;
  const auto& w = problem->anchor_weights;
  for (int f = 1; f + 1 < n; ++f) {
    for (int i = 0; i < N; ++i) {
      if (!variables.empty() &&
          std::find(variables.begin(), variables.end(), i) == variables.end()) {
        continue;
      }
      const int k = f * N + i;
      if (!(w[k - N] > 0 && w[k] > 0 && w[k + N] > 0)) continue;
      const auto& [a, b, c] = problem->smoothness[k];
      problem->smoothness_targets[k] = a * m[k - N] + b * m[k] + c * m[k + N];
    }
  }
}

void InterpolateGaps(std::vector<double>* values, double fallback) {
  const int n = static_cast<int>(values->size());
  int previous = -1;
  for (int i = 0; i < n; ++i) {
    if (std::isnan((*values)[i])) continue;
    for (int j = previous + 1; j < i; ++j) {
      (*values)[j] = previous < 0 ? (*values)[i]
                                  : (*values)[previous] + ((*values)[i] - (*values)[previous]) *
                                                              (j - previous) / double(i - previous);
    }
    previous = i;
  }
  for (int j = previous + 1; j < n; ++j) (*values)[j] = previous < 0 ? fallback : (*values)[previous];
}

}  // namespace gaitlens::internal
