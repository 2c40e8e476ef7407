// Writing a fitted leg motion (FittedMotion, gaitlens/model/leg_model.h) to files: a per-frame
// CSV for spreadsheets and pandas, and a JSON summary of the fit. See docs/formats.md.
#ifndef GAITLENS_REPORT_MOTION_FILES_H_
#define GAITLENS_REPORT_MOTION_FILES_H_

#include <string>

#include "gaitlens/model/leg_model.h"

namespace gaitlens {

// One row per frame and leg: time, the model's hip, knee, ankle, heel and big-toe positions
// (px), the leg's angles (degrees; knee flexion and its sd, hip flexion, shank and foot angle in
// side views, FPPA in rear/front views), the frame's trunk lean and pelvis obliquity, and the
// flags: relabelled (0/1), knees_merged (0/1), filled (0/1, this leg) and the frame's residual
// (px). A value the view does not define (NaN) and a point the model has not got are empty
// fields. Written atomically (a temporary file renamed over `path`); throws InputError when the
// folder is not writable.
void WriteFittedMotionCsv(const FittedMotion& motion, const std::string& path);

// The fit as JSON text: source, view, facing and near leg, frame count and duration, segment
// lengths, how many frames were relabelled (and the runs of them), had merged knees or filled
// points, the residual's median and 95th percentile, whether the gait-cycle prior was used and
// the solver summary.
std::string FittedMotionSummaryJson(const FittedMotion& motion, const std::string& source = "");

// FittedMotionSummaryJson written atomically to `path`.
void WriteFittedMotionSummary(const FittedMotion& motion, const std::string& path,
                              const std::string& source = "");

}  // namespace gaitlens

#endif  // GAITLENS_REPORT_MOTION_FILES_H_
