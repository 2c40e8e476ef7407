// The banded Levenberg-Marquardt solver of the leg model (src/model/banded_solver.h) against
// dense linear algebra on linear problems (solution and marginal covariances exactly) and against
// Ceres on the side-view model itself (same minimum).
#include "model/banded_solver.h"

#include <array>
#include <cmath>
#include <memory>
#include <random>
#include <vector>

#include <Eigen/Dense>
#include <Eigen/Sparse>
#include <ceres/ceres.h>
#include <gtest/gtest.h>

#include "model/fit_util.h"
#include "model/side_view_costs.h"

namespace gaitlens::internal {
namespace {

constexpr int N = kFrameParameters;

// r = W (x_f + B g - y_f): linear in the frame variables and the globals, with a random
// full-rank weight matrix W per frame so that the frame blocks are dense.
class LinearFrameCost final : public ceres::CostFunction {
 public:
  LinearFrameCost(const Eigen::Matrix<double, N, N>& W, const Eigen::MatrixXd& B,
                  const Eigen::Matrix<double, N, 1>& y)
      : W_(W), B_(B), y_(y) {
    set_num_residuals(N);
    mutable_parameter_block_sizes()->push_back(N);
    if (B.cols() > 0) mutable_parameter_block_sizes()->push_back(static_cast<int>(B.cols()));
  }
  bool Evaluate(double const* const* parameters, double* residuals, double** jacobians) const override {
    Eigen::Matrix<double, N, 1> x = Eigen::Map<const Eigen::Matrix<double, N, 1>>(parameters[0]);
    if (B_.cols() > 0) x += B_ * Eigen::Map<const Eigen::VectorXd>(parameters[1], B_.cols());
    Eigen::Map<Eigen::Matrix<double, N, 1>> r(residuals);
    r = W_ * (x - y_);
    if (jacobians != nullptr) {
      if (jacobians[0] != nullptr) {
        Eigen::Map<Eigen::Matrix<double, N, N, Eigen::RowMajor>> jx(jacobians[0]);
        jx = W_;
      }
      if (B_.cols() > 0 && jacobians[1] != nullptr) {
        Eigen::Map<Eigen::Matrix<double, N, Eigen::Dynamic, Eigen::RowMajor>> jg(jacobians[1], N, B_.cols());
        jg = W_ * B_;
      }
    }
    return true;
  }

 private:
  Eigen::Matrix<double, N, N> W_;
  Eigen::MatrixXd B_;
  Eigen::Matrix<double, N, 1> y_;
};

struct LinearCase {
  BandedProblem problem;
  Eigen::MatrixXd J;  // dense Jacobian of all residuals (frames, then priors)
  Eigen::VectorXd r0;  // residuals at zero
};

LinearCase MakeLinearCase(int n, int G, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> normal(0, 1);
  LinearCase c;
  BandedProblem& p = c.problem;
  p.num_frames = n;
  p.frame_size = N;
  p.global_size = G;
  p.frames.assign(n * N, 0.0);
  p.globals.assign(G, 0.0);
  std::vector<double> times(n);
  for (int f = 0; f < n; ++f) times[f] = f / 60.0 + (f % 3) * 0.002;  // uneven steps
  p.smoothness = SmoothnessCoefficients(times, N, 1e-3, std::vector<double>(N, 1.0));
  const int frame_rows = n * N, prior_rows = (n - 2) * N;
  c.J = Eigen::MatrixXd::Zero(frame_rows + prior_rows, n * N + G);
  c.r0 = Eigen::VectorXd::Zero(frame_rows + prior_rows);
  for (int f = 0; f < n; ++f) {
    Eigen::Matrix<double, N, N> W = Eigen::Matrix<double, N, N>::Identity();
    for (int i = 0; i < N; ++i) {
      for (int j = 0; j < N; ++j) W(i, j) += 0.3 * normal(rng);
    }
    if (f % 7 == 3) W.row(2).setZero();  // a frame that does not see one variable
    Eigen::MatrixXd B(N, G);
    for (int i = 0; i < N; ++i) {
      for (int j = 0; j < G; ++j) B(i, j) = normal(rng);
    }
    Eigen::Matrix<double, N, 1> y;
    for (int i = 0; i < N; ++i) y(i) = 5 * normal(rng);
    p.frame_costs.emplace_back(new LinearFrameCost(W, B, y));
    c.J.block(f * N, f * N, N, N) = W;
    if (G > 0) c.J.block(f * N, n * N, N, G) = W * B;
    c.r0.segment(f * N, N) = -W * y;
  }
  for (int f = 1; f + 1 < n; ++f) {
    for (int i = 0; i < N; ++i) {
      const auto& [a, b, cc] = p.smoothness[f * N + i];
      const int row = frame_rows + (f - 1) * N + i;
      c.J(row, (f - 1) * N + i) = a;
      c.J(row, f * N + i) = b;
      c.J(row, (f + 1) * N + i) = cc;
    }
  }
  return c;
}

TEST(BandedSolver, LinearProblemReachesTheDenseLeastSquaresSolution) {
  for (int G : {0, 7}) {
    LinearCase c = MakeLinearCase(40, G, 11 + G);
    const Eigen::VectorXd exact = (c.J.transpose() * c.J).ldlt().solve(-c.J.transpose() * c.r0);
    BandedSolverOptions options;
    options.max_iterations = 50;
    options.function_tolerance = 1e-14;
    FitSummary summary;
    SolveBanded(options, &c.problem, &summary);
    EXPECT_NE(summary.termination, "FAILURE");
    double worst = 0;
    for (int k = 0; k < 40 * N; ++k) worst = std::max(worst, std::abs(c.problem.frames[k] - exact(k)));
    for (int k = 0; k < G; ++k) worst = std::max(worst, std::abs(c.problem.globals[k] - exact(40 * N + k)));
    EXPECT_LT(worst, 1e-6) << "G = " << G;
    const double expected_cost = 0.5 * (c.J * exact + c.r0).squaredNorm();
    EXPECT_NEAR(summary.final_cost, expected_cost, 1e-9 * expected_cost);
    EXPECT_EQ(summary.num_parameters, 40 * N + G);
    EXPECT_EQ(summary.num_residuals, 40 * N + 38 * N);
  }
}

// Long clips (at least 256 frames) with two threads are factorised as two chains of frames, one
// from each end, and a separator between them; the solver's steps must not depend on that. One
// damped step from the start (which LM's later steps would otherwise correct), and the minimum.
TEST(BandedSolver, TwoChainFactorisationTakesTheSameSteps) {
  constexpr int n = 301;  // odd: the chains differ in length
  for (int G : {0, 7}) {
    const LinearCase reference = MakeLinearCase(n, G, 21 + G);
    const Eigen::SparseMatrix<double> J = reference.J.sparseView();
    const Eigen::SparseMatrix<double> JtJ = J.transpose() * J;
    const Eigen::SimplicialLDLT<Eigen::SparseMatrix<double>> ldlt(JtJ);
    ASSERT_EQ(ldlt.info(), Eigen::Success);
    const Eigen::VectorXd exact = ldlt.solve(-(J.transpose() * reference.r0));
    std::vector<std::vector<double>> first_steps;
    for (int threads : {1, 2}) {
      for (int iterations : {1, 50}) {
        LinearCase c = MakeLinearCase(n, G, 21 + G);
        BandedSolverOptions options;
        options.max_iterations = iterations;
        options.function_tolerance = 1e-14;
        options.num_threads = threads;
        FitSummary summary;
        SolveBanded(options, &c.problem, &summary);
        EXPECT_NE(summary.termination, "FAILURE");
        std::vector<double> x = c.problem.frames;
        x.insert(x.end(), c.problem.globals.begin(), c.problem.globals.end());
        if (iterations == 1) {
          first_steps.push_back(x);
          continue;
        }
        double worst = 0;
        for (int k = 0; k < n * N + G; ++k) worst = std::max(worst, std::abs(x[k] - exact(k)));
        EXPECT_LT(worst, 1e-6) << "G = " << G << ", threads = " << threads;
      }
    }
    double moved = 0, differ = 0;
    for (int k = 0; k < n * N + G; ++k) {
      moved = std::max(moved, std::abs(first_steps[0][k]));  // from 0
      differ = std::max(differ, std::abs(first_steps[0][k] - first_steps[1][k]));
    }
    EXPECT_GT(moved, 1.0) << "G = " << G;
    EXPECT_LT(differ, 1e-9 * moved) << "G = " << G;
  }
}

// Odd: the variances pair frames, and the last frame is then padded.
constexpr int kVarianceFrames = 301;

TEST(BandedSolver, VariancesAreTheDiagonalOfTheInverseHessian) {
  LinearCase c = MakeLinearCase(kVarianceFrames, 0, 5);
  BandedSolverOptions options;
  options.max_iterations = 50;
  options.function_tolerance = 1e-14;
  options.compute_variances = true;
  FitSummary summary;
  const BandedSolution solution = SolveBanded(options, &c.problem, &summary, {{{3, 4}}, {{0, 8}}});
  ASSERT_EQ(solution.variances.size(), static_cast<std::size_t>(kVarianceFrames) * N);
  const Eigen::MatrixXd covariance = (c.J.transpose() * c.J).inverse();
  const double scale = 2 * summary.final_cost / (summary.num_residuals - summary.num_parameters);
  for (int f = 0; f < kVarianceFrames; ++f) {
    for (int i = 0; i < N; ++i) {
      const double expected = scale * covariance(f * N + i, f * N + i);
      EXPECT_NEAR(solution.variances[f * N + i], expected, 1e-6 * expected) << f << " " << i;
    }
    // (The dense inverse of this ill-conditioned Hessian is itself good to about 1e-5.)
    const double tolerance34 = 1e-4 * scale * std::sqrt(covariance(f * N + 3, f * N + 3) * covariance(f * N + 4, f * N + 4));
    const double tolerance08 = 1e-4 * scale * std::sqrt(covariance(f * N + 0, f * N + 0) * covariance(f * N + 8, f * N + 8));
    EXPECT_NEAR(solution.covariances[f][0], scale * covariance(f * N + 3, f * N + 4), tolerance34);
    EXPECT_NEAR(solution.covariances[f][1], scale * covariance(f * N + 0, f * N + 8), tolerance08);
  }
}

// Anchors count in the variances at BandedProblem::variance_anchor_scale of their weight in the
// fit: the Hessian there is J^T J + scale * diag(w).
TEST(BandedSolver, VariancesWeighAnchorsByTheirVarianceScale) {
  constexpr int kFrames = 61;
  LinearCase c = MakeLinearCase(kFrames, 0, 7);
  BandedProblem& p = c.problem;
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> weight(0.5, 20);
  p.anchor_values.assign(kFrames * N, 1.0);
  p.anchor_weights.assign(kFrames * N, 0.0);
  for (int k = 0; k < kFrames * N; k += 2) p.anchor_weights[k] = weight(rng);
  p.variance_anchor_scale = 0.25;
  BandedSolverOptions options;
  options.max_iterations = 50;
  options.function_tolerance = 1e-14;
  options.compute_variances = true;
  FitSummary summary;
  const BandedSolution solution = SolveBanded(options, &p, &summary, {{{3, 4}}});
  ASSERT_EQ(solution.variances.size(), static_cast<std::size_t>(kFrames) * N);
  Eigen::MatrixXd hessian = c.J.transpose() * c.J;
  Eigen::MatrixXd fitted = hessian;  // the fit's own, with the anchors' full weight
  for (int k = 0; k < kFrames * N; ++k) {
    hessian(k, k) += 0.25 * p.anchor_weights[k];
    fitted(k, k) += p.anchor_weights[k];
  }
  const Eigen::MatrixXd covariance = hessian.inverse();
  const Eigen::MatrixXd fitted_covariance = fitted.inverse();
  const double scale = 2 * summary.final_cost / (summary.num_residuals - summary.num_parameters);
  for (int f = 0; f < kFrames; ++f) {
    for (int i = 0; i < N; ++i) {
      const double expected = scale * covariance(f * N + i, f * N + i);
      EXPECT_NEAR(solution.variances[f * N + i], expected, 1e-6 * expected) << f << " " << i;
      // Anchored variables are less certain than the fit's full weight would say.
      if (i % 2 == 0) {
        EXPECT_GT(expected, 1.1 * scale * fitted_covariance(f * N + i, f * N + i)) << f << " " << i;
      }
    }
    const double tolerance =
        1e-4 * scale *
        std::sqrt(covariance(f * N + 3, f * N + 3) * covariance(f * N + 4, f * N + 4));
    EXPECT_NEAR(solution.covariances[f][0], scale * covariance(f * N + 3, f * N + 4), tolerance);
  }
}

TEST(BandedSolver, BoundsAreRespected) {
  LinearCase c = MakeLinearCase(20, 7, 3);
  c.problem.frame_lower.assign(N, -1.0);
  c.problem.frame_upper.assign(N, 1.0);
  c.problem.global_lower.assign(7, 0.5);
  c.problem.global_upper.assign(7, 0.75);
  FitSummary summary;
  SolveBanded(BandedSolverOptions(), &c.problem, &summary);
  for (double x : c.problem.frames) {
    EXPECT_GE(x, -1.0);
    EXPECT_LE(x, 1.0);
  }
  for (double g : c.problem.globals) {
    EXPECT_GE(g, 0.5);
    EXPECT_LE(g, 0.75);
  }
  EXPECT_LT(summary.final_cost, summary.initial_cost);
}

// The side-view model on noisy synthetic-like observations: the banded solver and Ceres (every
// frame variable a size-1 block, SecondDifferenceCost priors, sparse Cholesky) reach the same
// minimum.
TEST(BandedSolver, SideViewModelMatchesCeres) {
  const int n = 60;
  std::mt19937 rng(2);
  std::normal_distribution<double> noise(0, 4.0);
  const std::array<double, kGlobalParameters> truth_global = {160, 150, 20, 12, 60, 190, 0.95};
  std::vector<std::array<double, N>> start(n);
  std::vector<std::array<std::array<double, 3>, kModelPoints>> observed(n);
  std::vector<double> times(n);
  for (int f = 0; f < n; ++f) {
    times[f] = f / 60.0;
    const double phase = 2 * M_PI * 1.4 * times[f];
    const std::array<double, N> truth = {400 + 3 * std::sin(phase), 300 + 5 * std::cos(2 * phase), 0.1,
                                         0.5 * std::sin(phase),      0.5 * std::sin(phase) - 0.6 - 0.5 * std::cos(phase),
                                         0.1 * std::sin(phase),      -0.5 * std::sin(phase),
                                         -0.5 * std::sin(phase) - 0.6 + 0.5 * std::cos(phase), -0.1 * std::sin(phase)};
    std::array<std::array<double, 2>, kModelPoints> points;
    SideViewPoints(truth.data(), truth_global.data(), 1, 1, &points);
    for (int p = 0; p < kModelPoints; ++p) {
      observed[f][p] = {points[p][0] + noise(rng), points[p][1] + noise(rng), (f + p) % 13 == 0 ? 0.0 : 0.9};
    }
    if (f % 17 == 5) observed[f][4][0] += 80;  // an outlier ankle
    start[f] = truth;
    for (double& v : start[f]) v += 0.05 * noise(rng);
  }
  std::array<double, kGlobalParameters> start_global = truth_global;
  for (double& g : start_global) g *= 1.03;
  std::vector<double> units(N, 1.0);
  units[0] = units[1] = 310;

  // Banded.
  BandedProblem banded;
  banded.num_frames = n;
  banded.frame_size = N;
  banded.global_size = kGlobalParameters;
  for (const auto& s : start) banded.frames.insert(banded.frames.end(), s.begin(), s.end());
  banded.globals.assign(start_global.begin(), start_global.end());
  for (int f = 0; f < n; ++f) {
    banded.frame_costs.emplace_back(
        new ceres::AutoDiffCostFunction<SideViewFrameCost, SideViewFrameCost::kResiduals, N, kGlobalParameters>(
            new SideViewFrameCost(observed[f], 10.0, 1, 1)));
  }
  banded.smoothness = SmoothnessCoefficients(times, N, 1e-3, units);
  BandedSolverOptions options;
  options.max_iterations = 100;
  options.function_tolerance = 1e-12;
  FitSummary banded_summary;
  SolveBanded(options, &banded, &banded_summary);

  // Ceres.
  std::vector<std::array<double, N>> frames = start;
  std::array<double, kGlobalParameters> global = start_global;
  ceres::Problem problem;
  for (int f = 0; f < n; ++f) {
    std::vector<double*> blocks;
    for (double& x : frames[f]) blocks.push_back(&x);
    blocks.push_back(global.data());
    problem.AddResidualBlock(new SideViewFrameScalarCost::Function(
                                 new SideViewFrameScalarCost(SideViewFrameCost(observed[f], 10.0, 1, 1))),
                             nullptr, blocks);
  }
  for (int f = 1; f + 1 < n; ++f) {
    for (int i = 0; i < N; ++i) {
      problem.AddResidualBlock(new SecondDifferenceCost(times[f] - times[f - 1], times[f + 1] - times[f], 1e-3, units[i]),
                               nullptr, &frames[f - 1][i], &frames[f][i], &frames[f + 1][i]);
    }
  }
  ceres::Solver::Options solver;
  solver.linear_solver_type = ceres::SPARSE_NORMAL_CHOLESKY;
  solver.max_num_iterations = 200;
  solver.function_tolerance = 1e-14;
  solver.gradient_tolerance = 1e-14;
  solver.parameter_tolerance = 1e-14;
  ceres::Solver::Summary summary;
  ceres::Solve(solver, &problem, &summary);

  EXPECT_NEAR(banded_summary.final_cost, summary.final_cost, 1e-7 * summary.final_cost);
  EXPECT_LT(banded_summary.final_cost, 0.5 * banded_summary.initial_cost);
  double worst_angle = 0, worst_global = 0;
  for (int f = 0; f < n; ++f) {
    for (int i = 2; i < N; ++i) worst_angle = std::max(worst_angle, std::abs(banded.frames[f * N + i] - frames[f][i]));
  }
  for (int g = 0; g < kGlobalParameters; ++g) {
    worst_global = std::max(worst_global, std::abs(banded.globals[g] - global[g]) / std::abs(global[g]));
  }
  EXPECT_LT(worst_angle, 1e-4);   // radians
  EXPECT_LT(worst_global, 1e-5);  // relative
}

// Residuals correlated from frame to frame (AR(1), rho = 0.3, as the synthetic detector's
// jitter) make an independent-noise variance too small by (1 + rho) / (1 - rho) = 1.86.
TEST(FitUtil, ResidualCorrelationFactorFromAnAutoregressiveJitter) {
  std::mt19937 rng(5);
  std::normal_distribution<double> normal(0, 1);
  const double rho = 0.3;
  std::vector<std::array<std::array<double, 3>, 2>> observed(4000);
  std::vector<std::array<std::array<double, 2>, 2>> model(4000);
  std::array<double, 4> state = {0, 0, 0, 0};
  for (std::size_t f = 0; f < observed.size(); ++f) {
    for (int k = 0; k < 2; ++k) {
      model[f][k] = {100.0 * k + f, 50.0 - f};
      observed[f][k] = {model[f][k][0], model[f][k][1], 1.0};
      for (int i = 0; i < 2; ++i) {
        double& e = state[2 * k + i];
        e = rho * e + std::sqrt(1 - rho * rho) * normal(rng);
        observed[f][k][i] += 5 * e;
      }
    }
    if (f % 97 == 0) observed[f][1][0] += 500;  // an outlier, left out by the clip
  }
  EXPECT_NEAR(ResidualCorrelationFactor(observed, model, 30.0), 1.3 / 0.7, 0.12);
  // Independent residuals: no inflation; a model that is the observation: no residuals, 1.
  for (std::size_t f = 0; f < observed.size(); ++f) {
    for (int k = 0; k < 2; ++k) {
      for (int i = 0; i < 2; ++i) observed[f][k][i] = model[f][k][i] + 5 * normal(rng);
    }
  }
  EXPECT_NEAR(ResidualCorrelationFactor(observed, model, 30.0), 1.0, 0.08);
  for (std::size_t f = 0; f < observed.size(); ++f) {
    for (int k = 0; k < 2; ++k) observed[f][k] = {model[f][k][0], model[f][k][1], 1.0};
  }
  EXPECT_DOUBLE_EQ(ResidualCorrelationFactor(observed, model, 30.0), 1.0);
}

}  // namespace
}  // namespace gaitlens::internal
