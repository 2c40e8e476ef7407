#include <cstdlib>

#include <pybind11/pybind11.h>

#include "bindings.h"

PYBIND11_MODULE(_core, m) {
  // Errors reach Python as exceptions naming the file; keep OpenCV's and FFmpeg's own log
  // lines quiet unless the user set these variables.
  setenv("OPENCV_LOG_LEVEL", "SILENT", /*overwrite=*/0);
  setenv("OPENCV_FFMPEG_LOGLEVEL", "-8", /*overwrite=*/0);  // AV_LOG_QUIET
  m.doc() = "gaitlens C++ core: treadmill running gait analysis from video";
  gaitlens::python::BindCore(m);
  gaitlens::python::BindPose(m);
  gaitlens::python::BindIo(m);
  gaitlens::python::BindSynth(m);
  gaitlens::python::BindDetectors(m);
  gaitlens::python::BindModel(m);
}
