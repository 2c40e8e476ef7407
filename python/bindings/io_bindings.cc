#include <string>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include "bindings.h"
#include "gaitlens/io/keypoint_files.h"
#include "gaitlens/io/video_reader.h"

namespace py = pybind11;

namespace gaitlens::python {

namespace {

py::array ImageToArray(const Image& image) {
  // Copies: Python owns its array and the reader may reuse nothing behind its back.
  py::array_t<std::uint8_t> array({static_cast<py::ssize_t>(image.height()),
                                   static_cast<py::ssize_t>(image.width()),
                                   static_cast<py::ssize_t>(image.channels())});
  auto out = array.mutable_unchecked<3>();
  for (int y = 0; y < image.height(); ++y) {
    std::memcpy(out.mutable_data(y, 0, 0), image.row(y),
                static_cast<std::size_t>(image.width()) * image.channels());
  }
  return std::move(array);
}

KeypointReadOptions MakeReadOptions(double fps, const std::string& format,
                                    const std::string& openpose_layout, double min_likelihood) {
  KeypointReadOptions options;
  options.fps = fps;
  options.format = KeypointFileFormatFromString(format);
  options.openpose_layout = openpose_layout == "auto" ? KeypointLayout::kCanonical
                                                      : KeypointLayoutFromString(openpose_layout);
  options.deeplabcut_min_likelihood = min_likelihood;
  options.Check();
  return options;
}

}  // namespace

void BindIo(py::module_& m) {
  py::class_<VideoInfo>(m, "VideoInfo", "What a video container says, sizes after rotation.")
      .def_readonly("path", &VideoInfo::path)
      .def_readonly("width", &VideoInfo::width)
      .def_readonly("height", &VideoInfo::height)
      .def_readonly("rotation_deg", &VideoInfo::rotation_deg)
      .def_readonly("fps", &VideoInfo::fps)
      .def_readonly("frame_count", &VideoInfo::frame_count)
      .def_readonly("duration_s", &VideoInfo::duration_s)
      .def_readonly("codec", &VideoInfo::codec)
      .def_readonly("file_size_bytes", &VideoInfo::file_size_bytes)
      .def_property_readonly("is_portrait", &VideoInfo::is_portrait)
      .def("brief_report", &VideoInfo::BriefReport)
      .def("__repr__", [](const VideoInfo& i) { return "<VideoInfo " + i.BriefReport() + ">"; });

  m.def(
      "_probe",
      [](const std::string& path, bool count_frames) {
        std::vector<std::string> warnings;
        VideoInfo info;
        {
          py::gil_scoped_release release;
          info = ProbeVideo(path, count_frames, &warnings);
        }
        return py::make_tuple(info, warnings);
      },
      py::arg("path"), py::arg("count_frames") = false);

  py::class_<VideoFrame>(m, "VideoFrame")
      .def_readonly("index", &VideoFrame::index)
      .def_readonly("timestamp_s", &VideoFrame::timestamp_s)
      .def_property_readonly("image", [](const VideoFrame& f) { return ImageToArray(f.image); },
                             "The frame as a (height, width, 3) uint8 BGR array.");

  py::class_<VideoReader>(m, "VideoReader",
                          "Streams a video frame by frame: `for frame in VideoReader(path)`.")
      .def(py::init([](const std::filesystem::path& path, bool apply_rotation, int max_frames) {
             VideoReaderOptions options;
             options.apply_rotation = apply_rotation;
             options.max_frames = max_frames;
             py::gil_scoped_release release;
             return std::make_unique<VideoReader>(path.string(), options);
           }),
           py::arg("path"), py::arg("apply_rotation") = true, py::arg("max_frames") = 0)
      .def_property_readonly("info", &VideoReader::info)
      .def_property_readonly("frames_read", &VideoReader::frames_read)
      .def_property_readonly("warnings", &VideoReader::warnings)
      .def("__iter__", [](py::object self) { return self; })
      .def("__next__", [](VideoReader& reader) {
        VideoFrame frame;
        bool ok;
        {
          py::gil_scoped_release release;
          ok = reader.Read(&frame);
        }
        if (!ok) throw py::stop_iteration();
        return frame;
      });

  m.def(
      "read_keypoints",
      [](const std::filesystem::path& path, double fps, const std::string& format,
         const std::string& openpose_layout, double min_likelihood) {
        const KeypointReadOptions options =
            MakeReadOptions(fps, format, openpose_layout, min_likelihood);
        py::gil_scoped_release release;
        return ReadKeypoints(path.string(), options);
      },
      py::arg("path"), py::arg("fps") = 0.0, py::arg("format") = "auto",
      py::arg("openpose_layout") = "auto", py::arg("min_likelihood") = 0.0,
      "Read keypoints: gaitlens CSV, an OpenPose JSON folder, DeepLabCut CSV or pose JSON.");
  m.def(
      "write_gaitlens_csv",
      [](const PoseSequence& poses, const std::filesystem::path& path) {
        py::gil_scoped_release release;
        WriteGaitlensCsv(poses, path.string());
      },
      py::arg("poses"), py::arg("path"), "Write keypoints as gaitlens CSV (atomically).");
}

}  // namespace gaitlens::python
