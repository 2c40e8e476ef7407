#include <string>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings.h"
#include "gaitlens/synth/render.h"
#include "gaitlens/synth/synthesizer.h"

namespace py = pybind11;

namespace gaitlens::python {

void BindSynth(py::module_& m) {
  py::module_ s = m.def_submodule("_synth", "Synthetic treadmill runner with exact ground truth");
  using synth::CameraParams;
  using synth::NoiseParams;
  using synth::RunnerParams;
  using synth::SynthOptions;

  py::class_<RunnerParams>(s, "RunnerParams", "Parameters of the synthetic runner (docs/synthetic.md).")
      .def(py::init<>())
      .def_readwrite("cadence_spm", &RunnerParams::cadence_spm)
      .def_readwrite("belt_speed_m_s", &RunnerParams::belt_speed_m_s)
      .def_readwrite("height_m", &RunnerParams::height_m)
      .def_property("sex", [](const RunnerParams& p) { return ToString(p.sex); },
                    [](RunnerParams& p, const std::string& v) { p.sex = SexFromString(v); })
      .def_readwrite("duty_factor", &RunnerParams::duty_factor)
      .def_readwrite("contact_time_s", &RunnerParams::contact_time_s)
      .def_readwrite("overstride_m", &RunnerParams::overstride_m)
      .def_readwrite("knee_flexion_ic_deg", &RunnerParams::knee_flexion_ic_deg)
      .def_readwrite("knee_flexion_midstance_deg", &RunnerParams::knee_flexion_midstance_deg)
      .def_readwrite("knee_flexion_to_deg", &RunnerParams::knee_flexion_to_deg)
      .def_readwrite("foot_strike_angle_deg", &RunnerParams::foot_strike_angle_deg)
      .def_readwrite("toe_off_angle_deg", &RunnerParams::toe_off_angle_deg)
      .def_readwrite("swing_knee_flexion_deg", &RunnerParams::swing_knee_flexion_deg)
      .def_readwrite("peak_valgus_deg", &RunnerParams::peak_valgus_deg)
      .def_readwrite("pelvic_drop_deg", &RunnerParams::pelvic_drop_deg)
      .def_readwrite("trunk_lean_deg", &RunnerParams::trunk_lean_deg)
      .def_readwrite("arm_swing_deg", &RunnerParams::arm_swing_deg)
      .def_readwrite("elbow_flexion_deg", &RunnerParams::elbow_flexion_deg)
      .def_readwrite("step_time_asymmetry_pct", &RunnerParams::step_time_asymmetry_pct)
      .def_readwrite("step_width_m", &RunnerParams::step_width_m)
      .def_readwrite("variability_cv", &RunnerParams::variability_cv)
      .def_readwrite("seed", &RunnerParams::seed)
      .def("check", &RunnerParams::Check);

  py::class_<CameraParams>(s, "CameraParams", "The synthetic camera.")
      .def(py::init<>())
      .def_property("view", [](const CameraParams& p) { return ToString(p.view); },
                    [](CameraParams& p, const std::string& v) { p.view = ViewFromString(v); })
      .def_readwrite("facing_right", &CameraParams::facing_right)
      .def_readwrite("width", &CameraParams::width)
      .def_readwrite("height", &CameraParams::height)
      .def_readwrite("fps", &CameraParams::fps)
      .def_readwrite("distance_m", &CameraParams::distance_m)
      .def_readwrite("focal_px", &CameraParams::focal_px)
      .def_readwrite("runner_fraction", &CameraParams::runner_fraction)
      .def_readwrite("height_m", &CameraParams::height_m)
      .def_readwrite("tilt_deg", &CameraParams::tilt_deg)
      .def_readwrite("roll_deg", &CameraParams::roll_deg)
      .def_readwrite("pan_deg", &CameraParams::pan_deg)
      .def("check", &CameraParams::Check);

  py::class_<NoiseParams>(s, "NoiseParams", "Pose-estimator realism added to the keypoints.")
      .def(py::init<>())
      .def_static("preset", &NoiseParams::FromName, py::arg("name"),
                  "'clean', 'realistic' or 'harsh'.")
      .def_readwrite("jitter", &NoiseParams::jitter)
      .def_readwrite("jitter_correlation", &NoiseParams::jitter_correlation)
      .def_readwrite("far_side_jitter_factor", &NoiseParams::far_side_jitter_factor)
      .def_readwrite("dropout_rate", &NoiseParams::dropout_rate)
      .def_readwrite("occlusion_fraction", &NoiseParams::occlusion_fraction)
      .def_readwrite("swap_fraction", &NoiseParams::swap_fraction)
      .def_readwrite("swap_run_max", &NoiseParams::swap_run_max)
      .def_readwrite("merged_knees_fraction", &NoiseParams::merged_knees_fraction)
      .def_readwrite("outlier_rate", &NoiseParams::outlier_rate)
      .def_readwrite("outlier_size", &NoiseParams::outlier_size)
      .def_readwrite("confidence_min", &NoiseParams::confidence_min)
      .def_readwrite("confidence_max", &NoiseParams::confidence_max)
      .def("check", &NoiseParams::Check);

  py::class_<SynthOptions>(s, "SynthOptions")
      .def(py::init<>())
      .def_readwrite("runner", &SynthOptions::runner)
      .def_readwrite("camera", &SynthOptions::camera)
      .def_readwrite("noise", &SynthOptions::noise)
      .def_readwrite("duration_s", &SynthOptions::duration_s)
      .def_property("layout", [](const SynthOptions& o) { return ToString(o.layout); },
                    [](SynthOptions& o, const std::string& v) { o.layout = KeypointLayoutFromString(v); })
      .def_readwrite("noise_seed", &SynthOptions::noise_seed)
      .def("check", &SynthOptions::Check);

  s.def(
      "generate",
      [](const SynthOptions& options) {
        synth::SynthResult result;
        std::string truth;
        {
          py::gil_scoped_release release;
          result = synth::Generate(options);
          truth = synth::GroundTruthToJson(result.truth, &result.noise_log);
        }
        return py::make_tuple(truth, result.poses, result.clean_poses);
      },
      py::arg("options"), "Returns (truth JSON text, noisy poses, clean poses).");
  s.def(
      "render_video",
      [](const SynthOptions& options, const std::string& path, bool markers) {
        py::gil_scoped_release release;
        options.Check();
        const synth::RunnerModel runner(options.runner, options.duration_s);
        const synth::Camera camera(options.camera, options.runner.height_m);
        std::vector<double> times;
        const int frames = static_cast<int>(options.duration_s * options.camera.fps + 1e-9);
        for (int f = 0; f < frames; ++f) times.push_back(f / options.camera.fps);
        synth::RenderOptions render;
        render.markers = markers;
        render.seed = options.runner.seed;
        synth::RenderVideo(runner, camera, times, path, render);
      },
      py::arg("options"), py::arg("path"), py::arg("markers") = false,
      "Render the clip described by options to a video file.");
}

}  // namespace gaitlens::python
