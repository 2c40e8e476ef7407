// Left/right leg identity before the continuous fit: pose estimators swap the legs' labels in
// side views, and sometimes report both knees on one knee.
#ifndef GAITLENS_SRC_MODEL_LEG_IDENTITY_H_
#define GAITLENS_SRC_MODEL_LEG_IDENTITY_H_

#include <vector>

#include "gaitlens/pose/pose_sequence.h"

namespace gaitlens::internal {

struct LegIdentityResult {
  std::vector<bool> relabelled;     // leg labels exchanged in this frame
  std::vector<bool> knees_merged;   // both knee detections on one spot: both ignored
};

// Works on a canonical-layout sequence in place. A Viterbi search over "labels as given" and
// "labels exchanged" per frame, with second-order states so that the cost is the distance of
// each leg point from its constant-velocity prediction from the two previous frames (robust,
// capped), plus a small price for exchanging labels. When the motion is periodic, up to three more
// searches add how far each labelled leg is from where the same leg was one and two strides away
// (under the previous search's labels): that catches swaps that begin and end where the legs
// cross, and swaps while the far leg is hidden, which continuity cannot see (there a leg point
// seen alone votes on its own). leg_px sets the scales.
LegIdentityResult ResolveLegIdentity(PoseSequence* canonical, double leg_px, double min_confidence);

// Median of hip-knee + knee-ankle distances over frames where all are detected (either leg);
// 0 when none is.
double EstimateLegLength(const PoseSequence& canonical, double min_confidence);

}  // namespace gaitlens::internal

#endif  // GAITLENS_SRC_MODEL_LEG_IDENTITY_H_
