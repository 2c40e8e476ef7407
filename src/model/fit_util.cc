#include "model/fit_util.h"

#include <chrono>

namespace gaitlens::internal {

void SolveLegProblem(const FitOptions& options, ceres::Problem* problem, FitSummary* summary) {
  ceres::Solver::Options solver;
  solver.linear_solver_type = ceres::SPARSE_NORMAL_CHOLESKY;
  solver.max_num_iterations = options.max_iterations;
  solver.num_threads = options.num_threads;
  solver.function_tolerance = 1e-7;
  solver.logging_type = ceres::SILENT;
  ceres::Solver::Summary ceres_summary;
  const auto start = std::chrono::steady_clock::now();
  ceres::Solve(solver, problem, &ceres_summary);
  summary->solve_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  summary->iterations = static_cast<int>(ceres_summary.iterations.size());
  summary->initial_cost = ceres_summary.initial_cost;
  summary->final_cost = ceres_summary.final_cost;
  summary->termination = ceres_summary.termination_type == ceres::CONVERGENCE ? "CONVERGENCE"
                         : ceres_summary.termination_type == ceres::NO_CONVERGENCE
                             ? "NO_CONVERGENCE"
                             : "FAILURE";
  summary->num_parameters = ceres_summary.num_parameters;
  summary->num_residuals = ceres_summary.num_residuals;
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
