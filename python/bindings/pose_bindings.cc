#include <string>
#include <vector>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings.h"
#include "gaitlens/core/error.h"
#include "gaitlens/pose/keypoint_layout.h"
#include "gaitlens/pose/pose_sequence.h"

namespace py = pybind11;

namespace gaitlens::python {

namespace {

static_assert(sizeof(Keypoint) == 3 * sizeof(double), "Keypoint must be three packed doubles");

PoseSequence MakePoseSequence(py::array_t<double, py::array::c_style | py::array::forcecast> keypoints,
                              py::object timestamps_s, double fps, const std::string& layout,
                              int image_width, int image_height, const std::string& source) {
  GAITLENS_CHECK_INPUT(keypoints.ndim() == 3 && keypoints.shape(2) == 3, OptionError,
                       "keypoints must have shape (frames, keypoints, 3), got ndim ",
                       keypoints.ndim());
  const KeypointLayout parsed_layout = KeypointLayoutFromString(layout);
  PoseSequence poses(parsed_layout, static_cast<int>(keypoints.shape(0)));
  GAITLENS_CHECK_INPUT(keypoints.shape(1) == poses.num_keypoints(), OptionError, "layout '", layout,
                       "' has ", poses.num_keypoints(), " keypoints, the array has ",
                       keypoints.shape(1));
  std::copy(keypoints.data(), keypoints.data() + keypoints.size(),
            reinterpret_cast<double*>(poses.keypoints().data()));
  if (timestamps_s.is_none()) {
    GAITLENS_CHECK_INPUT(fps > 0, OptionError, "give timestamps_s or fps");
    poses.SetUniformTimestamps(fps);
  } else {
    auto times = py::cast<py::array_t<double, py::array::c_style | py::array::forcecast>>(timestamps_s);
    GAITLENS_CHECK_INPUT(times.ndim() == 1 && times.shape(0) == poses.num_frames(), OptionError,
                         "timestamps_s must have one value per frame (", poses.num_frames(), ")");
    poses.timestamps_s.assign(times.data(), times.data() + times.size());
  }
  poses.image_width = image_width;
  poses.image_height = image_height;
  poses.source = source;
  poses.Validate(source.empty() ? "PoseSequence" : source);
  return poses;
}

}  // namespace

void BindPose(py::module_& m) {
  m.def("keypoint_layouts", [] {
    std::vector<std::string> names;
    for (KeypointLayout layout : AllKeypointLayouts()) names.emplace_back(ToString(layout));
    return names;
  }, "Names of the supported keypoint layouts.");
  m.def("keypoint_names",
        [](const std::string& layout) {
          return GetLayoutInfo(KeypointLayoutFromString(layout)).keypoint_names;
        },
        py::arg("layout"), "Keypoint names of a layout, in its order.");
  m.def("canonical_index", &CanonicalIndexFromAlias, py::arg("name"),
        "Canonical keypoint index for a name other tools use ('LHip', 'l_hip'), or -1.");

  py::class_<PoseSequence>(m, "PoseSequence",
                           "Keypoints of one runner: frames x keypoints x (x, y, confidence), "
                           "pixels with y down; missing points have confidence 0.")
      .def(py::init(&MakePoseSequence), py::arg("keypoints"), py::arg("timestamps_s") = py::none(),
           py::arg("fps") = 0.0, py::arg("layout") = "canonical", py::arg("image_width") = 0,
           py::arg("image_height") = 0, py::arg("source") = "",
           "Build from a (frames, keypoints, 3) array and per-frame timestamps (or a frame rate).")
      .def_property_readonly("layout", [](const PoseSequence& p) { return ToString(p.layout()); })
      .def_property_readonly("keypoint_names",
                             [](const PoseSequence& p) { return p.layout_info().keypoint_names; })
      .def_property_readonly("num_frames", &PoseSequence::num_frames)
      .def_property_readonly("num_keypoints", &PoseSequence::num_keypoints)
      .def("__len__", &PoseSequence::num_frames)
      .def_property_readonly(
          "keypoints",
          [](py::object self) {
            PoseSequence& p = self.cast<PoseSequence&>();
            const py::ssize_t k = p.num_keypoints();
            return py::array_t<double>({static_cast<py::ssize_t>(p.num_frames()), k, py::ssize_t{3}},
                                       reinterpret_cast<double*>(p.keypoints().data()), self);
          },
          "(frames, keypoints, 3) array of x, y, confidence; a writable view.")
      .def_property(
          "timestamps_s",
          [](const PoseSequence& p) { return py::array_t<double>(p.timestamps_s.size(), p.timestamps_s.data()); },
          [](PoseSequence& p, std::vector<double> t) {
            GAITLENS_CHECK_INPUT(static_cast<int>(t.size()) == p.num_frames(), OptionError,
                                 "timestamps_s needs ", p.num_frames(), " values, got ", t.size());
            p.timestamps_s = std::move(t);
          })
      .def_readwrite("image_width", &PoseSequence::image_width)
      .def_readwrite("image_height", &PoseSequence::image_height)
      .def_readwrite("source", &PoseSequence::source)
      .def("estimated_fps", &PoseSequence::EstimatedFps)
      .def("detected_fraction", &PoseSequence::DetectedFraction,
           py::arg("keypoint_indices") = std::vector<int>{})
      .def("validate", &PoseSequence::Validate, py::arg("context") = "PoseSequence")
      .def("convert_layout",
           [](const PoseSequence& p, const std::string& layout) {
             return ConvertLayout(p, KeypointLayoutFromString(layout));
           },
           py::arg("layout"), "Re-express in another layout; absent points get confidence 0.")
      .def("swap_left_right",
           [](PoseSequence& p, int frame) {
             GAITLENS_CHECK_INPUT(frame >= 0 && frame < p.num_frames(), OptionError, "frame ",
                                  frame, " outside 0..", p.num_frames() - 1);
             SwapLeftRight(&p, frame);
           },
           py::arg("frame"))
      .def("__repr__", [](const PoseSequence& p) {
        return "<PoseSequence " + std::to_string(p.num_frames()) + " frames x " +
               std::to_string(p.num_keypoints()) + " keypoints (" + ToString(p.layout()) + ")>";
      });
}

}  // namespace gaitlens::python
