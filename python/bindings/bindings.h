// One Bind function per gaitlens module, called from PYBIND11_MODULE in module.cc (pycolmap style).
#ifndef GAITLENS_PYTHON_BINDINGS_BINDINGS_H_
#define GAITLENS_PYTHON_BINDINGS_BINDINGS_H_

#include <pybind11/pybind11.h>

namespace gaitlens::python {

void BindCore(pybind11::module_& m);
void BindPose(pybind11::module_& m);
void BindIo(pybind11::module_& m);
void BindSynth(pybind11::module_& m);
void BindDetectors(pybind11::module_& m);
void BindModel(pybind11::module_& m);

}  // namespace gaitlens::python

#endif  // GAITLENS_PYTHON_BINDINGS_BINDINGS_H_
