#include "model/banded_solver.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <thread>

#include <Eigen/Cholesky>
#include <Eigen/Core>

#include "gaitlens/core/error.h"

namespace gaitlens::internal {

namespace {

// N frame variables and G globals, both fixed at compile time: the per-frame blocks are small
// (10 x 10, 10 x 7), where fixed sizes and coefficient-wise (lazy) products are several times
// faster than Eigen's blocked matrix products.
template <int N, int G>
class Solver {
 public:
  using Mat = Eigen::Matrix<double, N, N>;
  using Vec = Eigen::Matrix<double, N, 1>;
  using MatG = Eigen::Matrix<double, N, G>;
  using MatX = Eigen::Matrix<double, N, 1 + G>;
  using MatGG = Eigen::Matrix<double, G, G>;
  using VecG = Eigen::Matrix<double, G, 1>;

  Solver(const BandedSolverOptions& options, BandedProblem* p)
      : options_(options), p_(*p), n_(p->num_frames), G_(G) {
    H0_.resize(n_);
    H1_.resize(n_);
    H2_.resize(n_);
    gx_.resize(n_);
    E_.assign(n_, MatG::Zero());
    L0inv_.resize(n_);
    L1_.resize(n_);
    L2_.resize(n_);
    X_.assign(n_, MatX::Zero());
    num_residuals_ = 0;
    for (const auto& cost : p_.frame_costs) num_residuals_ += cost->num_residuals();
    num_residuals_ += N * std::max(0, n_ - 2);
    for (double w : p_.anchor_weights) num_residuals_ += w > 0 ? 1 : 0;
  }

  BandedSolution Run(FitSummary* summary, const std::vector<std::array<int, 2>>& pairs) {
    const auto start = std::chrono::steady_clock::now();
    Project(&p_.frames, &p_.globals);  // start inside the box
    double cost = Linearise(p_.frames, p_.globals, true);
    summary->initial_cost = cost;
    double lambda = 1e-4;
    int iterations = 0;
    std::string termination = "NO_CONVERGENCE";
    std::vector<double> trial_frames(p_.frames.size()), trial_globals(p_.globals.size());
    bool finite = std::isfinite(cost);
    if (!finite) termination = "FAILURE";
    while (finite && iterations < options_.max_iterations) {
      ++iterations;
      if (!Step(lambda, &trial_frames, &trial_globals)) {
        lambda *= 10;
        if (lambda > 1e12) {
          termination = "FAILURE";
          break;
        }
        continue;
      }
      const double trial = Linearise(trial_frames, trial_globals, false);
      if (std::isfinite(trial) && trial < cost) {
        const double decrease = cost - trial;
        p_.frames.swap(trial_frames);
        p_.globals.swap(trial_globals);
        cost = Linearise(p_.frames, p_.globals, true);
        lambda = std::max(lambda / 3, 1e-12);
        if (decrease < options_.function_tolerance * cost) {
          termination = "CONVERGENCE";
          break;
        }
      } else {
        lambda *= 4;
        if (lambda > 1e10) {  // no step lowers the cost: a minimum to working precision
          termination = "CONVERGENCE";
          break;
        }
      }
    }
    BandedSolution solution;
    if (options_.compute_variances && termination != "FAILURE") {
      Variances(cost, pairs, &solution);
    }
    summary->iterations = iterations;
    summary->final_cost = cost;
    summary->termination = termination;
    summary->num_parameters = n_ * N + G_;
    summary->num_residuals = num_residuals_;
    summary->solve_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return solution;
  }

 private:
  // Cost at (frames, globals); with `jacobians` also the normal equations there.
  double Linearise(const std::vector<double>& frames, const std::vector<double>& globals, bool jacobians) {
    const int threads = std::max(1, options_.num_threads);
    std::vector<double> costs(threads, 0.0);
    std::vector<MatGG> Cs(threads, MatGG::Zero());
    std::vector<VecG> ggs(threads, VecG::Zero());
    const int chunk = (n_ + threads - 1) / threads;
    auto body = [&](int begin, int end) {
      const int t = begin / std::max(1, chunk);
      std::vector<double> residuals, jx, jg;
      for (int f = begin; f < end; ++f) {
        const ceres::CostFunction& cf = *p_.frame_costs[f];
        const int m = cf.num_residuals();
        residuals.resize(m);
        const double* parameters[2] = {frames.data() + f * N, globals.data()};
        double* jac[2] = {nullptr, nullptr};
        if (jacobians) {
          jx.resize(m * N);
          jg.resize(m * std::max(G_, 1));
          jac[0] = jx.data();
          jac[1] = G_ > 0 ? jg.data() : nullptr;
        }
        if (!cf.Evaluate(parameters, residuals.data(), jacobians ? jac : nullptr)) {
          costs[t] = std::numeric_limits<double>::infinity();
          continue;
        }
        const Eigen::Map<const Eigen::VectorXd> r(residuals.data(), m);
        costs[t] += 0.5 * r.squaredNorm();
        if (!jacobians) continue;
        const Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, N, Eigen::RowMajor>> Jx(jx.data(), m, N);
        H0_[f].noalias() = Jx.transpose().lazyProduct(Jx);  // small: no blocked GEMM
        gx_[f].noalias() = Jx.transpose() * r;
        H1_[f].setZero();
        H2_[f].setZero();
        if constexpr (G > 0) {
          const Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, G, Eigen::RowMajor>> Jg(jg.data(), m, G);
          E_[f].noalias() = Jx.transpose().lazyProduct(Jg);
          Cs[t].noalias() += Jg.transpose().lazyProduct(Jg);
          ggs[t].noalias() += Jg.transpose() * r;
        }
      }
    };
    if (threads == 1 || n_ < 128) {
      body(0, n_);
    } else {
      std::vector<std::thread> workers;
      for (int t = 1; t < threads; ++t) {
        const int begin = t * chunk, end = std::min(n_, begin + chunk);
        if (begin < end) workers.emplace_back(body, begin, end);
      }
      body(0, std::min(n_, chunk));
      for (std::thread& w : workers) w.join();
    }
    double cost = 0;
    for (double c : costs) cost += c;
    if (jacobians) {
      C_.setZero();
      gg_.setZero();
      for (int t = 0; t < threads; ++t) {
        C_ += Cs[t];
        gg_ += ggs[t];
      }
    }
    // Unary anchors.
    if (!p_.anchor_weights.empty()) {
      for (int k = 0; k < n_ * N; ++k) {
        const double w = p_.anchor_weights[k];
        if (w <= 0) continue;
        const double d = frames[k] - p_.anchor_values[k];
        cost += 0.5 * w * d * d;
        if (!jacobians) continue;
        H0_[k / N](k % N, k % N) += w;
        gx_[k / N](k % N) += w * d;
      }
    }
    // Second-difference priors: linear, so their Jacobian is the coefficients.
    for (int f = 1; f + 1 < n_; ++f) {
      for (int i = 0; i < N; ++i) {
        const auto& [a, b, c] = p_.smoothness[f * N + i];
        const double r = a * frames[(f - 1) * N + i] + b * frames[f * N + i] +
                         c * frames[(f + 1) * N + i] -
                         (p_.smoothness_targets.empty() ? 0.0 : p_.smoothness_targets[f * N + i]);
        cost += 0.5 * r * r;
        if (!jacobians) continue;
        H0_[f - 1](i, i) += a * a;
        H0_[f](i, i) += b * b;
        H0_[f + 1](i, i) += c * c;
        H1_[f - 1](i) += a * b;
        H1_[f](i) += b * c;
        H2_[f - 1](i) += a * c;
        gx_[f - 1](i) += a * r;
        gx_[f](i) += b * r;
        gx_[f + 1](i) += c * r;
      }
    }
    return cost;
  }

  // Block Cholesky of the frame part of (H + lambda diag H): L0 (diagonal blocks, kept as their
  // inverses L0inv), L1 (one below), L2 (two below). False when it is not positive definite.
  bool Factorise(double lambda) {
    for (int f = 0; f < n_; ++f) {
      Mat S = H0_[f];
      for (int i = 0; i < N; ++i) S(i, i) += lambda * std::max(H0_[f](i, i), 1e-6);
      if (f >= 1) S.noalias() -= L1_[f - 1].lazyProduct(L1_[f - 1].transpose());
      if (f >= 2) S.noalias() -= L2_[f - 2].lazyProduct(L2_[f - 2].transpose());
      Eigen::LLT<Mat> llt(S);
      if (llt.info() != Eigen::Success) return false;
      // The inverse of the lower-triangular factor by forward substitution: every later use is
      // then a small product.
      const Mat L = llt.matrixL();
      Mat& inverse = L0inv_[f];
      inverse.setZero();
      for (int j = 0; j < N; ++j) {
        inverse(j, j) = 1.0 / L(j, j);
        for (int i = j + 1; i < N; ++i) {
          double sum = 0;
          for (int k = j; k < i; ++k) sum += L(i, k) * inverse(k, j);
          inverse(i, j) = -sum / L(i, i);
        }
      }
      // L1[f] = (A_{f+1,f} - L2[f-1] L1[f-1]^T) L0[f]^-T, A_{f+1,f} = diag(H1[f]).
      if (f + 1 < n_) {
        Mat T = H1_[f].asDiagonal();
        if (f >= 1) T.noalias() -= L2_[f - 1].lazyProduct(L1_[f - 1].transpose());
        L1_[f].noalias() = T.lazyProduct(inverse.transpose());
      }
      if (f + 2 < n_) L2_[f].noalias() = H2_[f].asDiagonal() * inverse.transpose();
    }
    return true;
  }

  // Solves L L^T X = X in place, X_ per frame N x (1 + G).
  void SolveInPlace() {
    MatX t;
    for (int f = 0; f < n_; ++f) {
      if (f >= 1) X_[f].noalias() -= L1_[f - 1].lazyProduct(X_[f - 1]);
      if (f >= 2) X_[f].noalias() -= L2_[f - 2].lazyProduct(X_[f - 2]);
      t.noalias() = L0inv_[f].lazyProduct(X_[f]);
      X_[f] = t;
    }
    for (int f = n_ - 1; f >= 0; --f) {
      if (f + 1 < n_) X_[f].noalias() -= L1_[f].transpose().lazyProduct(X_[f + 1]);
      if (f + 2 < n_) X_[f].noalias() -= L2_[f].transpose().lazyProduct(X_[f + 2]);
      t.noalias() = L0inv_[f].transpose().lazyProduct(X_[f]);
      X_[f] = t;
    }
  }

  // The damped Gauss-Newton step from the current point, projected onto the bounds.
  bool Step(double lambda, std::vector<double>* frames, std::vector<double>* globals) {
    if (!Factorise(lambda)) return false;
    for (int f = 0; f < n_; ++f) {
      X_[f].col(0) = -gx_[f];
      if constexpr (G > 0) X_[f].template rightCols<G>() = E_[f];
    }
    SolveInPlace();
    VecG dg = VecG::Zero();
    if constexpr (G > 0) {
      // (C - E^T A^-1 E) dg = -gg - E^T z, z = A^-1 (-gx).
      MatGG S = C_;
      for (int i = 0; i < G_; ++i) S(i, i) += lambda * std::max(C_(i, i), 1e-6);
      VecG rhs = -gg_;
      for (int f = 0; f < n_; ++f) {
        S.noalias() -= E_[f].transpose().lazyProduct(X_[f].template rightCols<G>());
        rhs.noalias() -= E_[f].transpose() * X_[f].col(0);
      }
      Eigen::LDLT<MatGG> ldlt(S);
      if (ldlt.info() != Eigen::Success) return false;
      dg = ldlt.solve(rhs);
      if (!dg.allFinite()) return false;
    }
    for (int f = 0; f < n_; ++f) {
      Vec dx = X_[f].col(0);
      if constexpr (G > 0) dx.noalias() -= X_[f].template rightCols<G>() * dg;
      for (int i = 0; i < N; ++i) (*frames)[f * N + i] = p_.frames[f * N + i] + dx(i);
    }
    for (int i = 0; i < G_; ++i) (*globals)[i] = p_.globals[i] + dg(i);
    Project(frames, globals);
    for (double v : *frames) {
      if (!std::isfinite(v)) return false;
    }
    return true;
  }

  void Project(std::vector<double>* frames, std::vector<double>* globals) const {
    for (int f = 0; f < n_; ++f) {
      for (int i = 0; i < N; ++i) {
        double& v = (*frames)[f * N + i];
        if (!p_.frame_lower.empty()) v = std::max(v, p_.frame_lower[i]);
        if (!p_.frame_upper.empty()) v = std::min(v, p_.frame_upper[i]);
      }
    }
    for (int i = 0; i < G_; ++i) {
      double& v = (*globals)[i];
      if (!p_.global_lower.empty()) v = std::max(v, p_.global_lower[i]);
      if (!p_.global_upper.empty()) v = std::min(v, p_.global_upper[i]);
    }
  }

  // Diagonal blocks of A^-1 (A = the undamped frame Hessian). Pairs of frames make A block
  // tridiagonal (2N x 2N blocks D_s, U_s = A_{s,s+1}); then the forward Schur complements
  // P_s = D_s - U_{s-1}^T P_{s-1}^-1 U_{s-1} and the backward (Rauch-Tung-Striebel) recurrence
  // Sigma_s = P_s^-1 + G_s Sigma_{s+1} G_s^T, G_s = P_s^-1 U_s, which adds positive
  // semi-definite terms only and so stays stable over thousands of frames (the one-sided
  // Takahashi recurrence on the pentadiagonal factor does not).
  void Variances(double cost, const std::vector<std::array<int, 2>>& pairs, BandedSolution* out) {
    using Mat2 = Eigen::Matrix<double, 2 * N, 2 * N>;
    const int pairs_count = (n_ + 1) / 2;
    auto frame_exists = [&](int f) { return f < n_; };
    std::vector<Mat2> D(pairs_count), U(pairs_count), Pinv(pairs_count);
    for (int s = 0; s < pairs_count; ++s) {
      const int a = 2 * s, b = 2 * s + 1;
      D[s].setZero();
      U[s].setZero();
      D[s].template topLeftCorner<N, N>() = H0_[a];
      if (frame_exists(b)) {
        D[s].template bottomRightCorner<N, N>() = H0_[b];
        D[s].template topRightCorner<N, N>() = H1_[a].asDiagonal();
        D[s].template bottomLeftCorner<N, N>() = H1_[a].asDiagonal();
      } else {
        D[s].template bottomRightCorner<N, N>().setIdentity();  // padding, decoupled
      }
      if (frame_exists(a + 2)) U[s].template topLeftCorner<N, N>() = H2_[a].asDiagonal();
      if (frame_exists(b) && frame_exists(a + 2)) U[s].template bottomLeftCorner<N, N>() = H1_[b].asDiagonal();
      if (frame_exists(b + 2)) U[s].template bottomRightCorner<N, N>() = H2_[b].asDiagonal();
    }
    for (int s = 0; s < pairs_count; ++s) {
      Mat2 P = D[s];
      if (s > 0) P.noalias() -= U[s - 1].transpose() * Pinv[s - 1] * U[s - 1];
      Eigen::LLT<Mat2> llt(P);
      if (llt.info() != Eigen::Success) return;  // singular: no variances
      Pinv[s] = llt.solve(Mat2::Identity());
    }
    std::vector<Mat2> sigma(pairs_count);
    sigma[pairs_count - 1] = Pinv[pairs_count - 1];
    for (int s = pairs_count - 2; s >= 0; --s) {
      const Mat2 gain = Pinv[s] * U[s];
      sigma[s] = Pinv[s] + gain * sigma[s + 1] * gain.transpose();
    }
    const double dof = std::max(1, num_residuals_ - n_ * N - G_);
    const double scale = 2 * cost / dof;
    out->variances.resize(static_cast<std::size_t>(n_) * N);
    out->covariances.assign(n_, std::vector<double>(pairs.size()));
    for (int f = 0; f < n_; ++f) {
      const Mat2& S = sigma[f / 2];
      const int o = (f % 2) * N;
      for (int i = 0; i < N; ++i) out->variances[f * N + i] = scale * S(o + i, o + i);
      for (std::size_t k = 0; k < pairs.size(); ++k) {
        out->covariances[f][k] = scale * S(o + pairs[k][0], o + pairs[k][1]);
      }
    }
  }

  const BandedSolverOptions& options_;
  BandedProblem& p_;
  const int n_, G_;
  int num_residuals_ = 0;
  std::vector<Mat> H0_;
  std::vector<Vec> H1_, H2_, gx_;
  std::vector<MatG> E_;
  MatGG C_;
  VecG gg_;
  std::vector<Mat> L0inv_, L1_, L2_;
  std::vector<MatX> X_;
};

}  // namespace

BandedSolution SolveBanded(const BandedSolverOptions& options, BandedProblem* problem,
                           FitSummary* summary, const std::vector<std::array<int, 2>>& pairs) {
  const int n = problem->num_frames;
  const int N = problem->frame_size;
  GAITLENS_CHECK_INPUT(n >= 1 && static_cast<int>(problem->frames.size()) == n * N &&
                           static_cast<int>(problem->globals.size()) == problem->global_size &&
                           static_cast<int>(problem->frame_costs.size()) == n &&
                           static_cast<int>(problem->smoothness.size()) == n * N &&
                           (problem->smoothness_targets.empty() ||
                            static_cast<int>(problem->smoothness_targets.size()) == n * N) &&
                           (problem->anchor_weights.empty() ||
                            (static_cast<int>(problem->anchor_weights.size()) == n * N &&
                             problem->anchor_values.size() == problem->anchor_weights.size())),
                       AnalysisError, "banded solver: inconsistent problem sizes");
  const int G = problem->global_size;
  // The side view (10 frame variables, 7 globals), the rear/front view (12, none), and the side
  // view's frame block without globals.
  if (N == 10 && G == 7) return Solver<10, 7>(options, problem).Run(summary, pairs);
  if (N == 10 && G == 0) return Solver<10, 0>(options, problem).Run(summary, pairs);
  if (N == 12 && G == 0) return Solver<12, 0>(options, problem).Run(summary, pairs);
  GAITLENS_THROW(AnalysisError, "banded solver: frame size ", N, " with ", G, " globals is not compiled in");
}

}  // namespace gaitlens::internal
