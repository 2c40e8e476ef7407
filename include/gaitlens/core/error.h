// The exceptions gaitlens throws for bad input. Every error says which file, frame, line or option
// caused it. Programming errors inside the library are caught by assertions, not by these.
#ifndef GAITLENS_CORE_ERROR_H_
#define GAITLENS_CORE_ERROR_H_

#include <sstream>
#include <stdexcept>
#include <string>

namespace gaitlens {

// Base class of everything gaitlens throws on purpose. Catch this to handle any gaitlens failure.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A file or folder that cannot be used at all: missing, unreadable, empty, a folder without the
// expected files. Python: gaitlens.InputError (also a FileNotFoundError-like OSError subclass).
class InputError : public Error {
 public:
  using Error::Error;
};

// A file that exists but whose content is malformed: truncated JSON, wrong types, NaN
// coordinates, a video that no decoder accepts. Python: gaitlens.FormatError (a ValueError).
class FormatError : public Error {
 public:
  using Error::Error;
};

// An option or argument with a value outside its documented range. Python: gaitlens.OptionError
// (a ValueError).
class OptionError : public Error {
 public:
  using Error::Error;
};

// Valid input from which no analysis can be made, e.g. a video in which nobody runs.
// Python: gaitlens.AnalysisError.
class AnalysisError : public Error {
 public:
  using Error::Error;
};

namespace internal {

template <typename... Args>
std::string StrCat(const Args&... args) {
  std::ostringstream stream;
  (stream << ... << args);
  return stream.str();
}

}  // namespace internal

// Throws ErrorType with the streamed arguments as its message, e.g.
//   GAITLENS_THROW(FormatError, path, ": line ", line, ": expected 3 columns");
#define GAITLENS_THROW(ErrorType, ...) \
  throw ::gaitlens::ErrorType(::gaitlens::internal::StrCat(__VA_ARGS__))

// Throws ErrorType with the message when condition is false.
#define GAITLENS_CHECK_INPUT(condition, ErrorType, ...) \
  do {                                                  \
    if (!(condition)) {                                 \
      GAITLENS_THROW(ErrorType, __VA_ARGS__);           \
    }                                                   \
  } while (false)

}  // namespace gaitlens

#endif  // GAITLENS_CORE_ERROR_H_
