#include <exception>

#include <pybind11/pybind11.h>

#include "bindings.h"
#include "gaitlens/core/error.h"
#include "gaitlens/core/version.h"

namespace py = pybind11;

namespace gaitlens::python {

namespace {

// A new Python exception class `gaitlens.<name>` deriving from the given bases.
PyObject* NewException(py::module_& m, const char* name, py::tuple bases, const char* doc) {
  const std::string qualified = std::string("gaitlens.") + name;
  PyObject* type = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, bases.ptr(), nullptr);
  if (type == nullptr) throw py::error_already_set();
  m.add_object(name, py::handle(type));
  return type;
}

}  // namespace

void BindCore(py::module_& m) {
  m.def("version", &Version, "The version of the compiled gaitlens library.");
  m.def("build_info", &BuildInfo, "Version, compiler, OpenCV and Ceres versions of this build.");
  m.attr("__version__") = Version();

  // Exception classes mirror gaitlens::Error and its subclasses. Each also derives from the
  // Python built-in a caller would naturally catch.
  static PyObject* error = NewException(m, "Error", py::make_tuple(py::handle(PyExc_RuntimeError)),
                                        "Base class of every error gaitlens raises on purpose.");
  static PyObject* input_error = NewException(
      m, "InputError", py::make_tuple(py::handle(error), py::handle(PyExc_OSError)),
      "A file or folder that cannot be used: missing, unreadable, empty.");
  static PyObject* format_error = NewException(
      m, "FormatError", py::make_tuple(py::handle(error), py::handle(PyExc_ValueError)),
      "A file whose content is malformed (names the file and the line or frame).");
  static PyObject* option_error = NewException(
      m, "OptionError", py::make_tuple(py::handle(error), py::handle(PyExc_ValueError)),
      "An option or argument outside its documented range.");
  static PyObject* analysis_error =
      NewException(m, "AnalysisError", py::make_tuple(py::handle(error)),
                   "Valid input from which no analysis can be made (e.g. no runner found).");

  py::register_exception_translator([](std::exception_ptr pointer) {
    try {
      if (pointer) std::rethrow_exception(pointer);
    } catch (const InputError& e) {
      PyErr_SetString(input_error, e.what());
    } catch (const FormatError& e) {
      PyErr_SetString(format_error, e.what());
    } catch (const OptionError& e) {
      PyErr_SetString(option_error, e.what());
    } catch (const AnalysisError& e) {
      PyErr_SetString(analysis_error, e.what());
    } catch (const Error& e) {
      PyErr_SetString(error, e.what());
    }
  });
}

}  // namespace gaitlens::python
