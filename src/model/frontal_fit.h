// The rear/front-view leg model (private): pelvis as a rigid segment, knees and ankles as points
// with smooth, softly length-limited thighs and shanks.
#ifndef GAITLENS_SRC_MODEL_FRONTAL_FIT_H_
#define GAITLENS_SRC_MODEL_FRONTAL_FIT_H_

#include "gaitlens/model/leg_model.h"

namespace gaitlens::internal {

// `canonical` has its leg identity already resolved; view is kRear or kFront.
FittedMotion FitFrontalView(const PoseSequence& canonical, const FitOptions& options, View view,
                            double leg_px);

}  // namespace gaitlens::internal

#endif  // GAITLENS_SRC_MODEL_FRONTAL_FIT_H_
