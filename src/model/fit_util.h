// Pieces shared by the side-view and rear/front leg model fits (private).
#ifndef GAITLENS_SRC_MODEL_FIT_UTIL_H_
#define GAITLENS_SRC_MODEL_FIT_UTIL_H_

#include <cmath>
#include <vector>

#include <ceres/ceres.h>

#include "gaitlens/model/leg_model.h"

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

// Solves the problem with the fits' shared settings and fills `summary` (all but `usable`).
void SolveLegProblem(const FitOptions& options, ceres::Problem* problem, FitSummary* summary);

// Fills NaN entries by linear interpolation between valid neighbours, constant beyond the ends;
// `fallback` everywhere when nothing is valid.
void InterpolateGaps(std::vector<double>* values, double fallback);

}  // namespace gaitlens::internal

#endif  // GAITLENS_SRC_MODEL_FIT_UTIL_H_
