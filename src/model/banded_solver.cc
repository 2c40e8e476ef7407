#include "model/banded_solver.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <future>
#include <limits>
#include <thread>
#include <utility>

#include <Eigen/Cholesky>
#include <Eigen/Core>

#include "gaitlens/core/error.h"

namespace gaitlens::internal {

namespace {

// The residual counts of the side view's and the rear/front view's frame costs
// (SideViewFrameCost, FrontalFrameCost); a frame cost with another count takes a slower path.
constexpr int kSideResiduals = 24;
constexpr int kFrontalResiduals = 16;
// Clips of at least this many frames are factorised on two threads (see Solver::Chain).
constexpr int kSplitFrames = 256;

// N frame variables, G globals and (usually) M residuals per frame, all fixed at compile time:
// the per-frame blocks are small (10 x 10, 10 x 7), where fixed sizes and coefficient-wise
// (lazy) products are several times faster than Eigen's blocked matrix products.
template <int N, int G, int M>
class Solver {
 public:
  using Mat = Eigen::Matrix<double, N, N>;
  using Vec = Eigen::Matrix<double, N, 1>;
  using MatG = Eigen::Matrix<double, N, G>;
  using MatX = Eigen::Matrix<double, N, 1 + G>;
  using MatGG = Eigen::Matrix<double, G, G>;
  using VecG = Eigen::Matrix<double, G, 1>;
  using Mat2 = Eigen::Matrix<double, 2 * N, 2 * N>;

  Solver(const BandedSolverOptions& options, BandedProblem* p)
      : options_(options), p_(*p), n_(p->num_frames), G_(G) {
    H0_.resize(n_);
    H1_.resize(n_);
    H2_.resize(n_);
    gx_.resize(n_);
    E_.assign(n_, MatG::Zero());
    spare_.H0.resize(n_);
    spare_.H1.resize(n_);
    spare_.H2.resize(n_);
    spare_.gx.resize(n_);
    spare_.E.assign(n_, MatG::Zero());
    L0inv_.resize(n_);
    L1_.resize(n_);
    L2_.resize(n_);
    X_.assign(n_, MatX::Zero());
    dx_.assign(n_, Vec::Zero());
    num_residuals_ = 0;
    for (const auto& cost : p_.frame_costs) num_residuals_ += cost->num_residuals();
    num_residuals_ += N * std::max(0, n_ - 2);
    for (double w : p_.anchor_weights) num_residuals_ += w > 0 ? 1 : 0;
  }

  BandedSolution Run(FitSummary* summary, const std::vector<std::array<int, 2>>& pairs) {
    const auto start = std::chrono::steady_clock::now();
    Project(&p_.frames, &p_.globals);  // start inside the box
    double cost = Linearise(p_.frames, p_.globals);
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
      // The trial point is linearised in full into the spare normal equations: most steps are
      // accepted, and their linearisation is then ready (a rejected one costs the Jacobians).
      SwapNormalEquations();
      const double trial = Linearise(trial_frames, trial_globals);
      if (std::isfinite(trial) && trial < cost) {
        const double decrease = cost - trial;
        p_.frames.swap(trial_frames);
        p_.globals.swap(trial_globals);
        cost = trial;
        lambda = std::max(lambda / 3, 1e-12);
        if (decrease < options_.function_tolerance * cost) {
          termination = "CONVERGENCE";
          break;
        }
      } else {
        SwapNormalEquations();  // back to the current point's
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
  // Exchanges the normal equations with the spare set (O(1) but for the globals' small blocks).
  void SwapNormalEquations() {
    H0_.swap(spare_.H0);
    H1_.swap(spare_.H1);
    H2_.swap(spare_.H2);
    gx_.swap(spare_.gx);
    E_.swap(spare_.E);
    std::swap(C_, spare_.C);
    std::swap(gg_, spare_.gg);
  }

  // Cost at (frames, globals) and the normal equations there.
  double Linearise(const std::vector<double>& frames, const std::vector<double>& globals) {
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
        jx.resize(m * N);
        jg.resize(m * std::max(G_, 1));
        double* jac[2] = {jx.data(), G_ > 0 ? jg.data() : nullptr};
        if (!cf.Evaluate(parameters, residuals.data(), jac)) {
          costs[t] = std::numeric_limits<double>::infinity();
          continue;
        }
        H1_[f].setZero();
        H2_[f].setZero();
        // The frame's share of the normal equations; with the residual count known at compile
        // time (M) its Jacobians' copies are fixed-size, without an allocation per frame.
        if (m == M) {
          costs[t] += Accumulate<M>(f, residuals.data(), jx.data(), jg.data(), &Cs[t], &ggs[t]);
        } else {
          costs[t] += Accumulate<Eigen::Dynamic>(f, residuals.data(), jx.data(), jg.data(), &Cs[t], &ggs[t], m);
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
    C_.setZero();
    gg_.setZero();
    for (int t = 0; t < threads; ++t) {
      C_ += Cs[t];
      gg_ += ggs[t];
    }
    // Unary anchors.
    if (!p_.anchor_weights.empty()) {
      for (int k = 0; k < n_ * N; ++k) {
        const double w = p_.anchor_weights[k];
        if (w <= 0) continue;
        const double d = frames[k] - p_.anchor_values[k];
        cost += 0.5 * w * d * d;
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

  // Adds frame f's residuals (m of them, M if fixed) and Jacobians to the normal equations; the
  // frame's cost.
  template <int Rows>
  double Accumulate(int f, const double* residuals, const double* jx, const double* jg, MatGG* C, VecG* gg,
                    int m = Rows) {
    const Eigen::Map<const Eigen::Matrix<double, Rows, 1>> r(residuals, m);
    // Column-major copies of the (row-major) Jacobians: every product below is then of
    // contiguous columns, which vectorises (the row-major maps' products did not).
    const Eigen::Matrix<double, Rows, N> Jx =
        Eigen::Map<const Eigen::Matrix<double, Rows, N, Eigen::RowMajor>>(jx, m, N);
    H0_[f].noalias() = Jx.transpose().lazyProduct(Jx);  // small: no blocked GEMM
    gx_[f].noalias() = Jx.transpose() * r;
    if constexpr (G > 0) {
      const Eigen::Matrix<double, Rows, G> Jg =
          Eigen::Map<const Eigen::Matrix<double, Rows, G, Eigen::RowMajor>>(jg, m, G);
      E_[f].noalias() = Jx.transpose().lazyProduct(Jg);
      C->noalias() += Jg.transpose().lazyProduct(Jg);
      gg->noalias() += Jg.transpose() * r;
    }
    return 0.5 * r.squaredNorm();
  }

  // The frame part of (H + lambda diag H) is factorised as block Cholesky along chains of
  // frames. With one chain (short clips, one thread) that is frames 0, 1, ..., n - 1. With two
  // (a one-separator nested dissection), the first half runs forward from frame 0, the second
  // backward from frame n - 1, each on its own thread, and the two frames between them, which
  // alone couple the halves (the priors reach two frames), are eliminated last as one dense
  // 2N x 2N block. Per frame f of a chain running in direction d, L0inv_[f] is the inverse of
  // its diagonal block's lower-triangular factor, and L1_[f], L2_[f] are the factor's blocks
  // (f + d, f) and (f + 2d, f) where those frames exist (in the chain or the separator).
  struct Chain {
    int first = 0, count = 0, dir = 1;
    int At(int k) const { return first + dir * k; }
  };

  // The prior's coupling A(f + d, f) for d = -2..2 (d != 0): diagonal.
  const Vec& Coupling(int f, int d) const {
    switch (d) {
      case 1: return H1_[f];
      case -1: return H1_[f - 1];
      case 2: return H2_[f];
      default: return H2_[f - 2];
    }
  }

  void Damp(int f, double lambda, Mat* S) const {
    for (int i = 0; i < N; ++i) (*S)(i, i) += lambda * std::max(H0_[f](i, i), 1e-6);
  }

  // Factorises a chain; false when it is not positive definite.
  bool FactoriseChain(const Chain& c, double lambda) {
    for (int k = 0; k < c.count; ++k) {
      const int f = c.At(k), p1 = f - c.dir, p2 = f - 2 * c.dir;
      Mat S = H0_[f];
      Damp(f, lambda, &S);
      if (k >= 1) S.noalias() -= L1_[p1].lazyProduct(L1_[p1].transpose());
      if (k >= 2) S.noalias() -= L2_[p2].lazyProduct(L2_[p2].transpose());
      Eigen::LLT<Mat> llt(S);
      if (llt.info() != Eigen::Success) return false;
      // The inverse of the lower-triangular factor (in llt's lower triangle) by forward
      // substitution, column by column as axpys down contiguous columns, with the diagonal's
      // reciprocals (a division per coefficient was a fifth of the factorisation's time): every
      // later use is then a small product.
      const Mat& L = llt.matrixLLT();
      std::array<double, N> reciprocal;
      for (int i = 0; i < N; ++i) reciprocal[i] = 1.0 / L(i, i);
      Mat& inverse = L0inv_[f];
      inverse.setZero();
      for (int j = 0; j < N; ++j) {
        double* column = inverse.col(j).data();
        column[j] = 1.0;
        for (int m = j; m < N; ++m) {
          const double x = column[m] * reciprocal[m];
          column[m] = x;
          const double* l = L.col(m).data();
          for (int i = m + 1; i < N; ++i) column[i] -= x * l[i];
        }
      }
      // L1[f] = (A(f + d, f) - L2[f - d] L1[f - d]^T) L0[f]^-T, L2[f] = A(f + 2d, f) L0[f]^-T.
      const int f1 = f + c.dir, f2 = f + 2 * c.dir;
      if (f1 >= 0 && f1 < n_) {
        Mat T = Coupling(f, c.dir).asDiagonal();
        if (k >= 1) T.noalias() -= L2_[p1].lazyProduct(L1_[p1].transpose());
        L1_[f].noalias() = T.lazyProduct(inverse.transpose());
      }
      if (f2 >= 0 && f2 < n_) L2_[f].noalias() = Coupling(f, 2 * c.dir).asDiagonal() * inverse.transpose();
    }
    return true;
  }

  // Forward substitution along a chain, X_ in place (N x (1 + G) per frame); adds the chain's
  // share of the globals' Schur complement E^T A^-1 E = Y_E^T Y_E and of E^T A^-1 (-gx) to S, r.
  void ForwardChain(const Chain& c, MatGG* S, VecG* r) {
    MatX t;
    for (int k = 0; k < c.count; ++k) {
      const int f = c.At(k);
      if (k >= 1) X_[f].noalias() -= L1_[f - c.dir].lazyProduct(X_[f - c.dir]);
      if (k >= 2) X_[f].noalias() -= L2_[f - 2 * c.dir].lazyProduct(X_[f - 2 * c.dir]);
      t.noalias() = L0inv_[f].lazyProduct(X_[f]);
      X_[f] = t;
      AddSchur(f, S, r);
    }
  }

  void AddSchur(int f, MatGG* S, VecG* r) const {
    if constexpr (G > 0) {
      const auto YE = X_[f].template rightCols<G>();
      S->noalias() += YE.transpose().lazyProduct(YE);
      r->noalias() += YE.transpose() * X_[f].col(0);
    }
  }

  // Back substitution along a chain in reverse, dx_ in place (the frames beyond its end, in the
  // separator, already solved).
  void BackwardChain(const Chain& c) {
    Vec t;
    for (int k = c.count - 1; k >= 0; --k) {
      const int f = c.At(k), f1 = f + c.dir, f2 = f + 2 * c.dir;
      if (f1 >= 0 && f1 < n_) dx_[f].noalias() -= L1_[f].transpose().lazyProduct(dx_[f1]);
      if (f2 >= 0 && f2 < n_) dx_[f].noalias() -= L2_[f].transpose().lazyProduct(dx_[f2]);
      t.noalias() = L0inv_[f].transpose().lazyProduct(dx_[f]);
      dx_[f] = t;
    }
  }

  // The damped Gauss-Newton step from the current point, projected onto the bounds. With
  // A = L L^T the frame block and E the frame-global block, the globals' Schur complement
  // C - E^T A^-1 E is C - (L^-1 E)^T (L^-1 E): only E's forward substitution is needed, and the
  // back substitution has one column, dx = L^-T (L^-1 (-gx) - L^-1 E dg).
  bool Step(double lambda, std::vector<double>* frames, std::vector<double>* globals) {
    for (int f = 0; f < n_; ++f) {
      X_[f].col(0) = -gx_[f];
      if constexpr (G > 0) X_[f].template rightCols<G>() = E_[f];
    }
    // Two chains and a separator (frames h - 2, h - 1) on long clips with two threads.
    const bool split = options_.num_threads >= 2 && n_ >= kSplitFrames;
    const int h = n_ / 2;
    const Chain top{0, split ? h - 2 : n_, 1}, bottom{n_ - 1, split ? n_ - h : 0, -1};
    MatGG S_top = MatGG::Zero(), S_bottom = MatGG::Zero();
    VecG r_top = VecG::Zero(), r_bottom = VecG::Zero();
    bool ok_top = true, ok_bottom = true;
    const auto first_pass = [&](const Chain& c, MatGG* S, VecG* r, bool* ok) {
      *ok = FactoriseChain(c, lambda);
      if (*ok) ForwardChain(c, S, r);
    };
    if (split) {
      std::future<void> other =
          std::async(std::launch::async, [&] { first_pass(bottom, &S_bottom, &r_bottom, &ok_bottom); });
      first_pass(top, &S_top, &r_top, &ok_top);
      other.get();
    } else {
      first_pass(top, &S_top, &r_top, &ok_top);
    }
    if (!ok_top || !ok_bottom) return false;
    Eigen::LLT<Mat2> separator;
    if (split) {
      // The separator's block, less what both chains' elimination takes from it, and its
      // right-hand sides less the chains' parts: blocks (s, q) of the factor for the chains'
      // frames q next to it.
      const int s0 = h - 2;
      Mat2 A = Mat2::Zero();
      A.template topLeftCorner<N, N>() = H0_[s0];
      A.template bottomRightCorner<N, N>() = H0_[s0 + 1];
      {
        Mat D0 = Mat::Zero(), D1 = Mat::Zero();
        Damp(s0, lambda, &D0);
        Damp(s0 + 1, lambda, &D1);
        A.template topLeftCorner<N, N>() += D0;
        A.template bottomRightCorner<N, N>() += D1;
      }
      A.template bottomLeftCorner<N, N>() = Coupling(s0, 1).asDiagonal();
      Eigen::Matrix<double, 2 * N, 1 + G> Y;
      Y.template topRows<N>() = X_[s0];
      Y.template bottomRows<N>() = X_[s0 + 1];
      for (const auto& [c, q] : {std::pair{top, h - 4}, std::pair{top, h - 3}, std::pair{bottom, h},
                                 std::pair{bottom, h + 1}}) {
        // Block (s, q) of the factor for s = q + d (L1_[q]) and q + 2d (L2_[q]), where in the
        // separator.
        std::array<std::pair<int, const Mat*>, 2> blocks = {
            std::pair{q + c.dir - s0, &L1_[q]}, std::pair{q + 2 * c.dir - s0, &L2_[q]}};
        for (const auto& [i, Li] : blocks) {
          if (i < 0 || i > 1) continue;
          Y.template middleRows<N>(i * N).noalias() -= Li->lazyProduct(X_[q]);
          for (const auto& [j, Lj] : blocks) {
            if (j < 0 || j > i) continue;
            A.template block<N, N>(i * N, j * N).noalias() -= Li->lazyProduct(Lj->transpose());
          }
        }
      }
      separator.compute(A);  // reads the lower triangle
      if (separator.info() != Eigen::Success) return false;
      separator.matrixL().solveInPlace(Y);
      X_[s0] = Y.template topRows<N>();
      X_[s0 + 1] = Y.template bottomRows<N>();
      AddSchur(s0, &S_top, &r_top);
      AddSchur(s0 + 1, &S_top, &r_top);
    }
    VecG dg = VecG::Zero();
    if constexpr (G > 0) {
      MatGG S = C_ - S_top - S_bottom;
      for (int i = 0; i < G_; ++i) S(i, i) += lambda * std::max(C_(i, i), 1e-6);
      const VecG rhs = -gg_ - r_top - r_bottom;
      Eigen::LDLT<MatGG> ldlt(S);
      if (ldlt.info() != Eigen::Success) return false;
      dg = ldlt.solve(rhs);
      if (!dg.allFinite()) return false;
    }
    for (int f = 0; f < n_; ++f) {
      dx_[f] = X_[f].col(0);
      if constexpr (G > 0) dx_[f].noalias() -= X_[f].template rightCols<G>() * dg;
    }
    if (split) {
      const int s0 = h - 2;
      Eigen::Matrix<double, 2 * N, 1> z;
      z << dx_[s0], dx_[s0 + 1];
      separator.matrixU().solveInPlace(z);
      dx_[s0] = z.template head<N>();
      dx_[s0 + 1] = z.template tail<N>();
      std::future<void> other = std::async(std::launch::async, [&] { BackwardChain(bottom); });
      BackwardChain(top);
      other.get();
    } else {
      BackwardChain(top);
    }
    for (int f = 0; f < n_; ++f) {
      for (int i = 0; i < N; ++i) (*frames)[f * N + i] = p_.frames[f * N + i] + dx_[f](i);
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
  //
  // U_s couples frames (2s, 2s+1) to (2s+2, 2s+3) through the priors alone, so it is
  // [[diag H2_{2s}, 0], [diag H1_{2s+1}, diag H2_{2s+1}]]: products with it scale rows or
  // columns (O(N^2)), and only the dense P^-1 and Sigma products cost O(N^3).
  void Variances(double cost, const std::vector<std::array<int, 2>>& pairs, BandedSolution* out) {
    const int pairs_count = (n_ + 1) / 2;
    const Vec zero = Vec::Zero();
    // U_s's three diagonals (zero where a frame is missing at the end).
    auto upper = [&](int s, int which) -> const Vec& {
      const int a = 2 * s, b = a + 1;
      switch (which) {
        case 0: return a + 2 < n_ ? H2_[a] : zero;                   // (a, a+2)
        case 1: return b < n_ && a + 2 < n_ ? H1_[b] : zero;         // (b, a+2)
        default: return b + 2 < n_ ? H2_[b] : zero;                  // (b, b+2)
      }
    };
    // Q U_s, for a 2N x 2N Q.
    auto times_upper = [&](const Mat2& Q, int s, Mat2* out_product) {
      const Vec &u0 = upper(s, 0), &u1 = upper(s, 1), &u2 = upper(s, 2);
      out_product->template leftCols<N>() =
          Q.template leftCols<N>() * u0.asDiagonal() + Q.template rightCols<N>() * u1.asDiagonal();
      out_product->template rightCols<N>() = Q.template rightCols<N>() * u2.asDiagonal();
    };
    // U_s^T Q, for a 2N x 2N Q.
    auto upper_transpose_times = [&](int s, const Mat2& Q, Mat2* out_product) {
      const Vec &u0 = upper(s, 0), &u1 = upper(s, 1), &u2 = upper(s, 2);
      out_product->template topRows<N>() =
          u0.asDiagonal() * Q.template topRows<N>() + u1.asDiagonal() * Q.template bottomRows<N>();
      out_product->template bottomRows<N>() = u2.asDiagonal() * Q.template bottomRows<N>();
    };
    // A frame's diagonal block with its anchors' weight scaled by variance_anchor_scale.
    const double unweight = 1 - p_.variance_anchor_scale;
    auto diagonal = [&](int f) {
      Mat block = H0_[f];
      if (unweight != 0 && !p_.anchor_weights.empty()) {
        for (int i = 0; i < N; ++i)
          block(i, i) -= unweight * std::max(0.0, p_.anchor_weights[f * N + i]);
      }
      return block;
    };
    std::vector<Mat2> Pinv(pairs_count);
    Mat2 P, T, W;
    for (int s = 0; s < pairs_count; ++s) {
      const int a = 2 * s, b = a + 1;
      P.setZero();
      P.template topLeftCorner<N, N>() = diagonal(a);
      if (b < n_) {
        P.template bottomRightCorner<N, N>() = diagonal(b);
        P.template topRightCorner<N, N>() = H1_[a].asDiagonal();
        P.template bottomLeftCorner<N, N>() = H1_[a].asDiagonal();
      } else {
        P.template bottomRightCorner<N, N>().setIdentity();  // padding, decoupled
      }
      if (s > 0) {
        times_upper(Pinv[s - 1], s - 1, &T);
        upper_transpose_times(s - 1, T, &W);
        P -= W;
      }
      Eigen::LLT<Mat2> llt(P);
      if (llt.info() != Eigen::Success) return;  // singular: no variances
      Pinv[s] = llt.solve(Mat2::Identity());
    }
    const double dof = std::max(1, num_residuals_ - n_ * N - G_);
    const double scale = 2 * cost / dof;
    out->variances.resize(static_cast<std::size_t>(n_) * N);
    out->covariances.assign(n_, std::vector<double>(pairs.size()));
    Mat2 sigma = Pinv[pairs_count - 1], gain;
    for (int s = pairs_count - 1; s >= 0; --s) {
      if (s < pairs_count - 1) {
        // Sigma_s = P_s^-1 + G_s Sigma_{s+1} G_s^T with G_s = P_s^-1 U_s.
        times_upper(Pinv[s], s, &gain);
        T.noalias() = gain * sigma;
        sigma = Pinv[s];
        sigma.noalias() += T * gain.transpose();
      }
      for (int f = 2 * s; f < std::min(n_, 2 * s + 2); ++f) {
        const int o = (f % 2) * N;
        for (int i = 0; i < N; ++i) out->variances[f * N + i] = scale * sigma(o + i, o + i);
        for (std::size_t k = 0; k < pairs.size(); ++k) {
          out->covariances[f][k] = scale * sigma(o + pairs[k][0], o + pairs[k][1]);
        }
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
  // A second set of the normal equations, for the trial point of a step.
  struct {
    std::vector<Mat> H0;
    std::vector<Vec> H1, H2, gx;
    std::vector<MatG> E;
    MatGG C;
    VecG gg;
  } spare_;
  std::vector<Mat> L0inv_, L1_, L2_;
  std::vector<MatX> X_;
  std::vector<Vec> dx_;
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
                             problem->anchor_values.size() == problem->anchor_weights.size())) &&
                           problem->variance_anchor_scale >= 0 &&
                           problem->variance_anchor_scale <= 1,
                       AnalysisError, "banded solver: inconsistent problem sizes");
  const int G = problem->global_size;
  // The side view (10 frame variables, 7 globals), the rear/front view (12, none), and the side
  // view's frame block without globals.
  if (N == 10 && G == 7) return Solver<10, 7, kSideResiduals>(options, problem).Run(summary, pairs);
  if (N == 10 && G == 0) return Solver<10, 0, kSideResiduals>(options, problem).Run(summary, pairs);
  if (N == 12 && G == 0) return Solver<12, 0, kFrontalResiduals>(options, problem).Run(summary, pairs);
  GAITLENS_THROW(AnalysisError, "banded solver: frame size ", N, " with ", G, " globals is not compiled in");
}

}  // namespace gaitlens::internal
