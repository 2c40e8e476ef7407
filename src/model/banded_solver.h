// A Levenberg-Marquardt solver for the leg model's time-series least squares (private).
//
//   cost = 1/2 sum_f |r_f(x_f, g)|^2
//          + 1/2 sum_{f,i} (a x_{f-1,i} + b x_{f,i} + c x_{f+1,i} [- t_{f,i}])^2
//          [+ 1/2 sum_{f,i} w_{f,i} (x_{f,i} - m_{f,i})^2]
//
// with per-frame variables x_f (N each) and a few globals g shared by all frames. The frame
// residuals are Ceres cost functions (the side view's with analytic Jacobians, the rear/front
// view's autodiff; all checked with ceres::GradientChecker); the priors are second differences
// of one variable. The normal equations are then block
// pentadiagonal (N x N blocks) bordered by the globals, which a block Cholesky factorises in
// O(frames N^3): about 10x less work per iteration than a general sparse solver on the same
// problem. It also gives marginal variances of the frame variables by selected inversion.
#ifndef GAITLENS_SRC_MODEL_BANDED_SOLVER_H_
#define GAITLENS_SRC_MODEL_BANDED_SOLVER_H_

#include <array>
#include <memory>
#include <vector>

#include <ceres/ceres.h>

#include "gaitlens/model/leg_model.h"

namespace gaitlens::internal {

struct BandedProblem {
  int num_frames = 0;
  int frame_size = 0;   // N: 10 (side view) or 12 (rear/front)
  int global_size = 0;  // G: 7 or 0 with N = 10, 0 with N = 12 (the sizes compiled in)
  // Frame f's variables are frames[f * N .. f * N + N).
  std::vector<double> frames;
  std::vector<double> globals;
  // One per frame; parameter blocks (frame f: N) and, when G > 0, (globals: G).
  std::vector<std::unique_ptr<ceres::CostFunction>> frame_costs;
  // Prior coefficients {a, b, c} of variable i at interior frame f in smoothness[f * N + i];
  // entries of the first and last frame are ignored.
  std::vector<std::array<double, 3>> smoothness;
  // Optional targets of those second differences (size num_frames * N; empty = 0): the prior is
  // then on how the motion departs from a path with these second differences, e.g. a gait-cycle
  // template's (see SetSmoothnessTargets in fit_util.h).
  std::vector<double> smoothness_targets;
  // Optional unary priors 1/2 anchor_weights[k] (frames[k] - anchor_values[k])^2 on frame
  // variables (size num_frames * N, weight 0 = none), e.g. the gait-cycle prior.
  std::vector<double> anchor_values, anchor_weights;
  // The anchors' weight in the variances (BandedSolverOptions::compute_variances), as a fraction
  // of their weight in the fit. Anchors that each frame takes as independent information, where
  // what they stand for (a runner's departure from its mean stride, a template's own error)
  // lasts several frames, would make the variances too small.
  double variance_anchor_scale = 1.0;
  // Box bounds, per frame variable (the same for every frame; size N) and per global (size G).
  // Empty = unbounded. A step that leaves the box is projected back onto it.
  std::vector<double> frame_lower, frame_upper, global_lower, global_upper;
};

struct BandedSolverOptions {
  int max_iterations = 15;
  // Stop when an accepted step lowers the cost by less than this fraction.
  double function_tolerance = 1e-4;
  int num_threads = 2;
  // Also compute marginal variances of the frame variables (after the last step).
  bool compute_variances = false;
};

struct BandedSolution {
  // Per frame variable, the diagonal of (J^T J)^-1 with the globals held fixed, times the
  // residual variance 2 cost / (residuals - variables); empty unless compute_variances.
  std::vector<double> variances;
  // Per frame, the covariance of variables i and j for each requested pair (see SolveBanded).
  std::vector<std::vector<double>> covariances;
};

// Solves in place and fills `summary` (all but `usable`). `covariance_pairs` lists (i, j)
// frame-variable pairs whose per-frame covariances are wanted (with compute_variances).
BandedSolution SolveBanded(const BandedSolverOptions& options, BandedProblem* problem,
                           FitSummary* summary,
                           const std::vector<std::array<int, 2>>& covariance_pairs = {});

}  // namespace gaitlens::internal

#endif  // GAITLENS_SRC_MODEL_BANDED_SOLVER_H_
