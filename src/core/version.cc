#include "gaitlens/core/version.h"

#include <ceres/version.h>
#include <opencv2/core/version.hpp>

namespace gaitlens {

const char* Version() { return GAITLENS_VERSION_STRING; }

const char* BuildInfo() {
  static const char* const kInfo =
      "gaitlens " GAITLENS_VERSION_STRING " (OpenCV " CV_VERSION ", Ceres " CERES_VERSION_STRING
#if defined(__clang__)
      ", clang " __clang_version__
#elif defined(__GNUC__)
      ", gcc " __VERSION__
#endif
      ")";
  return kInfo;
}

}  // namespace gaitlens
