#include "gaitlens/report/motion_files.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/text_util.h"

namespace gaitlens {

namespace {

// Fixed-point with `decimals` digits (the default's ten-thousandth of a pixel or degree is finer
// than any fit resolves); non-finite values are empty fields.
void AppendValue(double value, std::string* out, int decimals = 4) {
  if (!std::isfinite(value)) return;
  char buffer[64];
  const auto [end, error] =
      std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::fixed, decimals);
  out->append(buffer, error == std::errc() ? end : buffer);
}

template <typename T>
double At(const std::vector<T>& values, int f) {
  return f < static_cast<int>(values.size()) ? static_cast<double>(values[f]) : std::nan("");
}

double AtLeg(const std::vector<std::array<double, 2>>& values, int f, int leg) {
  return f < static_cast<int>(values.size()) ? values[f][leg] : std::nan("");
}

bool Flag(const std::vector<bool>& values, int f) {
  return f < static_cast<int>(values.size()) && values[f];
}

// The q-quantile (nearest rank) of the finite values; NaN when there are none.
double Quantile(std::vector<double> values, double q) {
  values.erase(
      std::remove_if(values.begin(), values.end(), [](double v) { return !std::isfinite(v); }),
      values.end());
  if (values.empty()) return std::nan("");
  const auto k = static_cast<std::size_t>(std::lround(q * static_cast<double>(values.size() - 1)));
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(k), values.end());
  return values[k];
}

nlohmann::json Number(double value) {
  return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json();
}

}  // namespace

void WriteFittedMotionCsv(const FittedMotion& motion, const std::string& path) {
  static const char* const kLegs[2] = {"left", "right"};
  // Canonical layout: left/right interleaved hips, knees, ankles, heels, big toes.
  static const char* const kPoints[5] = {"hip", "knee", "ankle", "heel", "toe"};
  std::string out = "frame,time_s,leg";
  for (const char* point : kPoints)
    out.append(",").append(point).append("_x,").append(point).append("_y");
  out.append(
      ",knee_flexion_deg,knee_flexion_sd_deg,hip_flexion_deg,shank_angle_deg,foot_angle_deg,"
      "fppa_deg,fppa_sd_deg,trunk_lean_deg,pelvis_obliquity_deg,pelvis_obliquity_sd_deg,relabelled,"
      "knees_merged,filled,"
      "residual_px\n");
  const PoseSequence& points = motion.keypoints;
  const int n = static_cast<int>(motion.timestamps_s.size());
  out.reserve(out.size() + static_cast<std::size_t>(n) * 2 * 200);
  for (int f = 0; f < n; ++f) {
    for (int leg = 0; leg < 2; ++leg) {
      out.append(std::to_string(f)).append(",");
      AppendValue(motion.timestamps_s[f], &out, 6);
      out.append(",").append(kLegs[leg]);
      for (int p = 0; p < 5; ++p) {
        const int k = 2 * p + leg;
        const bool have =
            f < points.num_frames() && k < points.num_keypoints() && !points.at(f, k).IsMissing();
        out.append(",");
        if (have) AppendValue(points.at(f, k).x, &out);
        out.append(",");
        if (have) AppendValue(points.at(f, k).y, &out);
      }
      for (const auto* values : {&motion.knee_flexion_deg, &motion.knee_flexion_sd_deg,
                                 &motion.hip_flexion_deg, &motion.shank_angle_deg,
                                 &motion.foot_angle_deg, &motion.fppa_deg, &motion.fppa_sd_deg}) {
        out.append(",");
        AppendValue(AtLeg(*values, f, leg), &out);
      }
      out.append(",");
      AppendValue(At(motion.trunk_lean_deg, f), &out);
      out.append(",");
      AppendValue(At(motion.pelvis_obliquity_deg, f), &out);
      out.append(",");
      AppendValue(At(motion.pelvis_obliquity_sd_deg, f), &out);
      const bool filled = f < static_cast<int>(motion.filled.size()) && motion.filled[f][leg];
      out.append(Flag(motion.relabelled, f) ? ",1" : ",0")
          .append(Flag(motion.knees_merged, f) ? ",1" : ",0")
          .append(filled ? ",1," : ",0,");
      AppendValue(At(motion.residual_px, f), &out);
      out.append("\n");
    }
  }
  internal::WriteFileAtomically(path, out);
}

std::string FittedMotionSummaryJson(const FittedMotion& motion, const std::string& source) {
  const int n = static_cast<int>(motion.timestamps_s.size());
  nlohmann::json j;
  j["source"] = source.empty() ? motion.keypoints.source : source;
  j["view"] = ToString(motion.view);
  if (motion.view == View::kSide) j["facing"] = motion.direction > 0 ? "image-right" : "image-left";
  j["near_leg"] = motion.near_leg == 0 ? "left" : "right";
  j["frames"] = n;
  j["duration_s"] = n > 0 ? motion.timestamps_s.back() - motion.timestamps_s.front() : 0.0;
  j["segment_lengths_px"] = {{"thigh", motion.lengths.thigh_px},
                             {"shank", motion.lengths.shank_px},
                             {"foot", motion.lengths.foot_px},
                             {"far_leg_scale", motion.lengths.far_leg_scale}};
  // Relabelled frames, and their runs as [first, last] frame.
  int relabelled = 0, merged = 0;
  nlohmann::json runs = nlohmann::json::array();
  for (int f = 0; f < n; ++f) {
    merged += Flag(motion.knees_merged, f) ? 1 : 0;
    if (!Flag(motion.relabelled, f)) continue;
    ++relabelled;
    if (f == 0 || !Flag(motion.relabelled, f - 1)) runs.push_back({f, f});
    runs.back()[1] = f;
  }
  int filled[2] = {0, 0};
  for (int f = 0; f < std::min(n, static_cast<int>(motion.filled.size())); ++f) {
    for (int leg = 0; leg < 2; ++leg) filled[leg] += motion.filled[f][leg] ? 1 : 0;
  }
  j["relabelled_frames"] = relabelled;
  j["relabelled_runs"] = runs;
  j["knees_merged_frames"] = merged;
  j["filled_frames"] = {{"left", filled[0]}, {"right", filled[1]}};
  j["residual_px"] = {{"median", Number(Quantile(motion.residual_px, 0.5))},
                      {"p95", Number(Quantile(motion.residual_px, 0.95))}};
  j["cycle_prior_applied"] = motion.cycle_prior_applied;
  const FitSummary& s = motion.summary;
  j["solver"] = {{"iterations", s.iterations},
                 {"initial_cost", Number(s.initial_cost)},
                 {"final_cost", Number(s.final_cost)},
                 {"termination", s.termination},
                 {"usable", s.usable},
                 {"solve_seconds", s.solve_seconds},
                 {"parameters", s.num_parameters},
                 {"residuals", s.num_residuals},
                 {"brief_report", s.BriefReport()}};
  return j.dump(2) + "\n";
}

void WriteFittedMotionSummary(const FittedMotion& motion, const std::string& path,
                              const std::string& source) {
  internal::WriteFileAtomically(path, FittedMotionSummaryJson(motion, source));
}

}  // namespace gaitlens
