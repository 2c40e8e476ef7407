#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include "bindings.h"
#include "gaitlens/model/leg_model.h"
#include "gaitlens/report/motion_files.h"

namespace py = pybind11;

namespace gaitlens::python {

namespace {

// (frames,) array of per-frame values (a copy).
py::array_t<double> ValuesToArray(const std::vector<double>& values) {
  return py::array_t<double>(values.size(), values.data());
}

// (frames, 2) array from per-frame left/right pairs.
py::array_t<double> PairsToArray(const std::vector<std::array<double, 2>>& pairs) {
  py::array_t<double> out({static_cast<py::ssize_t>(pairs.size()), py::ssize_t{2}});
  auto view = out.mutable_unchecked<2>();
  for (std::size_t f = 0; f < pairs.size(); ++f) {
    view(f, 0) = pairs[f][0];
    view(f, 1) = pairs[f][1];
  }
  return out;
}

}  // namespace

void BindModel(py::module_& m) {
  py::class_<FitOptions>(m, "FitOptions", "Options of the leg model fit (docs/leg_model.md).")
      .def(py::init<>())
      .def_property(
          "view", [](const FitOptions& o) { return ToString(o.view); },
          [](FitOptions& o, const std::string& v) { o.view = ViewFromString(v); })
      .def_readwrite("smoothness", &FitOptions::smoothness)
      .def_readwrite("robust_scale_leg", &FitOptions::robust_scale_leg)
      .def_readwrite("cycle_prior_deg", &FitOptions::cycle_prior_deg)
      .def_readwrite("min_confidence", &FitOptions::min_confidence)
      .def_readwrite("runner_confidence", &FitOptions::runner_confidence)
      .def_readwrite("resolve_swaps", &FitOptions::resolve_swaps)
      .def_readwrite("max_iterations", &FitOptions::max_iterations)
      .def_readwrite("num_threads", &FitOptions::num_threads)
      .def("check", &FitOptions::Check);

  py::class_<FitSummary>(m, "FitSummary")
      .def_readonly("iterations", &FitSummary::iterations)
      .def_readonly("initial_cost", &FitSummary::initial_cost)
      .def_readonly("final_cost", &FitSummary::final_cost)
      .def_readonly("termination", &FitSummary::termination)
      .def_readonly("usable", &FitSummary::usable)
      .def_readonly("solve_seconds", &FitSummary::solve_seconds)
      .def("brief_report", &FitSummary::BriefReport);

  py::class_<FittedMotion>(m, "FittedMotion", "The fitted leg model, one row per frame.")
      .def_property_readonly("view", [](const FittedMotion& f) { return ToString(f.view); })
      .def_readonly("direction", &FittedMotion::direction)
      .def_readonly("near_leg", &FittedMotion::near_leg)
      .def_readonly("keypoints", &FittedMotion::keypoints)
      .def_property_readonly("timestamps_s",
                             [](const FittedMotion& f) { return ValuesToArray(f.timestamps_s); })
      .def_property_readonly("knee_flexion_deg",
                             [](const FittedMotion& f) { return PairsToArray(f.knee_flexion_deg); })
      .def_property_readonly(
          "knee_flexion_sd_deg",
          [](const FittedMotion& f) { return PairsToArray(f.knee_flexion_sd_deg); })
      .def_property_readonly("hip_flexion_deg",
                             [](const FittedMotion& f) { return PairsToArray(f.hip_flexion_deg); })
      .def_property_readonly("shank_angle_deg",
                             [](const FittedMotion& f) { return PairsToArray(f.shank_angle_deg); })
      .def_property_readonly("foot_angle_deg",
                             [](const FittedMotion& f) { return PairsToArray(f.foot_angle_deg); })
      .def_property_readonly(
          "fppa_deg", [](const FittedMotion& f) { return PairsToArray(f.fppa_deg); },
          "Rear/front views: FPPA per frame and leg (+ valgus); NaN in side views.")
      .def_property_readonly(
          "fppa_sd_deg", [](const FittedMotion& f) { return PairsToArray(f.fppa_sd_deg); },
          "Rear/front views: the FPPA's 1-sigma uncertainty per frame and leg; NaN in side views "
          "or where the fit failed.")
      .def_property_readonly(
          "pelvis_obliquity_deg",
          [](const FittedMotion& f) { return ValuesToArray(f.pelvis_obliquity_deg); })
      .def_property_readonly(
          "pelvis_obliquity_sd_deg",
          [](const FittedMotion& f) { return ValuesToArray(f.pelvis_obliquity_sd_deg); },
          "Rear/front views: the pelvis obliquity's 1-sigma uncertainty per frame; NaN in side "
          "views or where the fit failed.")
      .def_property_readonly("trunk_lean_deg",
                             [](const FittedMotion& f) { return ValuesToArray(f.trunk_lean_deg); })
      .def_readonly("cycle_prior_applied", &FittedMotion::cycle_prior_applied)
      .def_property_readonly("relabelled",
                             [](const FittedMotion& f) {
                               return std::vector<bool>(f.relabelled.begin(), f.relabelled.end());
                             })
      .def_property_readonly("residual_px",
                             [](const FittedMotion& f) { return ValuesToArray(f.residual_px); })
      .def_property_readonly("segment_lengths_px",
                             [](const FittedMotion& f) {
                               py::dict d;
                               d["thigh"] = f.lengths.thigh_px;
                               d["shank"] = f.lengths.shank_px;
                               d["foot"] = f.lengths.foot_px;
                               d["far_leg_scale"] = f.lengths.far_leg_scale;
                               return d;
                             })
      .def_readonly("summary", &FittedMotion::summary)
      .def(
          "write_csv",
          [](const FittedMotion& f, const std::filesystem::path& path) {
            py::gil_scoped_release release;
            WriteFittedMotionCsv(f, path.string());
          },
          py::arg("path"),
          "Write the per-frame, per-leg CSV (docs/formats.md, fitted motion files), atomically.")
      .def(
          "summary_json",
          [](const FittedMotion& f, const std::string& source) {
            return FittedMotionSummaryJson(f, source);
          },
          py::arg("source") = "",
          "The fit's summary as JSON text (view, segment lengths, relabelled runs, residuals, "
          "solver).")
      .def(
          "write_summary",
          [](const FittedMotion& f, const std::filesystem::path& path, const std::string& source) {
            py::gil_scoped_release release;
            WriteFittedMotionSummary(f, path.string(), source);
          },
          py::arg("path"), py::arg("source") = "", "Write summary_json() to a file, atomically.");

  m.def(
      "fit_leg_model",
      [](const PoseSequence& poses, const FitOptions& options) {
        py::gil_scoped_release release;
        return FitLegModel(poses, options);
      },
      py::arg("poses"), py::arg("options") = FitOptions(),
      "Fit the 2D leg model to a whole sequence (resolves left/right swaps, fills gaps).");
}

}  // namespace gaitlens::python
